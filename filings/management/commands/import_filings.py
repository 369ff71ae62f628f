from django.core.management.base import BaseCommand, CommandError

from filings.importing import ImportRefused, import_filings


class Command(BaseCommand):
    help = (
        "Import the authority's filings from an .xlsx or .csv file (UTF-8, UTF-8 with BOM or GB18030). "
        "The whole file is checked first; one bad row refuses it all and nothing is written."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="the .xlsx or .csv file")
        parser.add_argument("--encoding", help="CSV encoding when detection is not wanted, e.g. gb18030")
        parser.add_argument("--dry-run", action="store_true", help="check the file and report, write nothing")

    def handle(self, *args, **options) -> None:
        try:
            result = import_filings(
                options["file"], encoding=options["encoding"], dry_run=options["dry_run"],
                actor_label="运营（import_filings 命令）", progress=self.stderr.write,
            )
        except ImportRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(result.summary()))
        for line in result.review_lines():
            self.stdout.write(self.style.WARNING(line))
