"""Write the demo plan workbooks in demo/plans/, which `seed_demo` imports: `python -m demo.make_plans`.

The files are written for the day ANCHOR. `rentals.demo` shifts every time in them by the
days between ANCHOR and the day it loads them, so the open plans are open on any day the
demo is seeded, the upcoming one is a week away and the closed one closed a month ago.
"""

# ruff: noqa: E501  (the data tables read best one row per line)

import datetime as dt
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from openpyxl import Workbook

ANCHOR = dt.date(2026, 12, 1)
OUT = Path(__file__).with_name("plans")

PLAN_HEADER = ["计划编号", "计划名称", "配租方式", "登记开始时间", "登记截止时间", "取消截止时间", "限定区域", "限定类别", "公告", "告知书"]
PROJECT_HEADER = ["计划编号", "项目编号", "项目名称", "区域", "地址", "简介", "套型", "套数", "面积", "月租金"]
UNIT_HEADER = ["项目编号", "楼号", "单元", "楼层", "房号", "套型", "建筑面积", "月租金", "朝向"]

NOTICE = """一、登记家庭须为已取得本市公共租赁住房备案资格的家庭，且备案在有效期内。
二、每个备案家庭在本次计划中只能登记一次；登记截止前可在个人中心取消登记，取消后可重新登记。
三、登记不等于配租。保障房中心将按公告规定的顺序组织选房或配租，结果以书面通知为准。
四、登记家庭应保证所填信息真实有效；弄虚作假的，取消其登记和配租资格，并依法依规处理。
五、配租后须按合同约定按时缴纳租金，不得转租、转借、闲置或改变房屋用途。"""


def when(days: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(ANCHOR + dt.timedelta(days=days), dt.time(hour, minute))


def money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("1"), rounding=ROUND_HALF_UP)


# Each plan: its 计划 row, its projects (one row per unit type) and, for real-time plans,
# the layout its units are generated from.
PLANS = {
    "2026-ks04-quick-open.xlsx": {
        "plan": ["GZF-2026-KS04", "2026年第四批公共租赁住房快速配租", "快速配租", when(-1, 9), when(30, 17), None, "", "",
                 "本批次快速配租面向本市已取得公共租赁住房备案的家庭，不限备案区域。\n登记期间，备案家庭可在“业务办理”中选择一个项目，按可选套型登记一次。\n登记结束后，保障房中心将按规定组织摇号、选房。", NOTICE],
        "projects": [
            ("KS04-01", "朝阳区双桥公租房项目", "朝阳区", "朝阳区双桥东路8号院", "紧邻地铁八通线双桥站，小区配有幼儿园和社区卫生服务站。", [("一居室", 120, "38-45", "1710-2030"), ("二居室", 60, "55-62", "2480-2790")]),
            ("KS04-02", "朝阳区常营公租房项目", "朝阳区", "朝阳区常营北路3号院", "地铁6号线常营站步行约10分钟，周边商业成熟。", [("一居室", 80, "40-46", "1880-2160"), ("二居室", 40, "58-63", "2730-2960"), ("三居室", 12, "80-86", "3760-4040")]),
            ("KS04-03", "丰台区郭公庄公租房项目", "丰台区", "丰台区郭公庄路6号院", "地铁9号线、房山线郭公庄站旁，小区内有便民超市。", [("一居室", 150, "36-42", "1550-1810"), ("二居室", 70, "52-60", "2240-2580")]),
            ("KS04-04", "通州区台湖公租房项目", "通州区", "通州区台湖镇新华联南路2号院", "邻近城市副中心，配套学校、社区商业齐全。", [("一居室", 90, "39-44", "1480-1670"), ("二居室", 90, "56-61", "2130-2320"), ("三居室", 30, "78-84", "2960-3190")]),
            ("KS04-05", "昌平区回龙观公租房项目", "昌平区", "昌平区回龙观西大街18号院", "地铁8号线育新站附近，周边有大型公园。", [("一居室", 110, "37-43", "1520-1760"), ("二居室", 50, "55-59", "2260-2420")]),
            ("KS04-06", "大兴区旧宫公租房项目", "大兴区", "大兴区旧宫镇德茂路11号院", "地铁亦庄线旧宫站步行可达，临近亦庄经济技术开发区。", [("一居室", 70, "38-44", "1440-1670"), ("二居室", 45, "54-60", "2050-2280"), ("三居室", 15, "79-85", "3000-3230")]),
        ],
    },
    "2026-ss02-realtime-open.xlsx": {
        "plan": ["GZF-2026-SS02", "2026年第二批公共租赁住房实时配租", "实时配租", when(-1, 9), when(30, 17), None, "", "",
                 "本批次实时配租房源逐套公开，备案家庭登录后可查看每套房源的位置、面积、租金，选择一套登记。\n每套房源同一时间只能由一个家庭登记；已登记的房源显示为“已登记”，不可再选。\n取消登记后，房源立即释放，其他家庭可以登记。", NOTICE],
        "projects": [
            ("SS02-01", "朝阳区焦化厂公租房项目", "朝阳区", "朝阳区化工路59号院", "地铁7号线焦化厂站旁，规模大、房源多。", {"buildings": 3, "entrances": 2, "floors": 10, "rate": Decimal("46")}),
            ("SS02-02", "丰台区樊家村公租房项目", "丰台区", "丰台区樊家村路10号院", "临近地铁10号线首经贸站，生活便利。", {"buildings": 3, "entrances": 2, "floors": 9, "rate": Decimal("44")}),
            ("SS02-03", "通州区马驹桥公租房项目", "通州区", "通州区马驹桥镇景盛南四街6号院", "邻近亦庄新城，园区通勤便利。", {"buildings": 2, "entrances": 2, "floors": 12, "rate": Decimal("38"), "named": True}),
        ],
    },
    "2026-hd01-haidian-only.xlsx": {
        "plan": ["GZF-2026-HD01", "海淀区2026年公共租赁住房专项配租", "快速配租", when(-1, 9), when(20, 17), None, "海淀区", "",
                 "本次专项配租仅面向备案区为海淀区的公共租赁住房备案家庭。\n其他区备案的家庭请关注本区配租计划。", NOTICE],
        "projects": [
            ("HD01-01", "海淀区永丰公租房项目", "海淀区", "海淀区永丰路21号院", "中关村软件园、永丰产业基地附近。", [("一居室", 60, "40-45", "2080-2340"), ("二居室", 30, "58-62", "3010-3220")]),
            ("HD01-02", "海淀区温泉公租房项目", "海淀区", "海淀区温泉镇温泉路66号院", "环境安静，周边有中小学和社区医院。", [("二居室", 40, "56-61", "2800-3050"), ("三居室", 10, "82-88", "4100-4400")]),
        ],
    },
    "2027-yx01-priority-upcoming.xlsx": {
        "plan": ["GZF-2027-YX01", "2027年第一批公共租赁住房优先配租", "快速配租", when(7, 9), when(37, 17), when(30, 17), "", "优先",
                 "本次优先配租面向类别为“优先”的备案家庭（如老年、残疾、大病、优抚等家庭）。\n登记开始前可先查看项目，登记开始后方可登记。", NOTICE],
        "projects": [
            ("YX01-01", "石景山区五里坨公租房项目", "石景山区", "石景山区五里坨南宫路5号院", "低层住宅带电梯，适老化设计。", [("一居室", 40, "42-46", "1680-1840"), ("二居室", 20, "58-62", "2320-2480")]),
            ("YX01-02", "顺义区后沙峪公租房项目", "顺义区", "顺义区后沙峪镇裕民大街9号院", "临近首都机场，小区绿化率高。", [("一居室", 30, "40-44", "1400-1540"), ("二居室", 20, "56-60", "1960-2100"), ("三居室", 8, "80-84", "2800-2940")]),
        ],
    },
    "2026-ks03-quick-closed.xlsx": {
        "plan": ["GZF-2026-KS03", "2026年第三批公共租赁住房快速配租", "快速配租", when(-60, 9), when(-30, 17), None, "", "",
                 "本批次登记已结束，登记结果可在个人中心“业务记录”中查看。", NOTICE],
        "projects": [
            ("KS03-01", "房山区长阳公租房项目", "房山区", "房山区长阳镇长政南街7号院", "地铁房山线长阳站附近。", [("一居室", 100, "38-43", "1330-1510"), ("二居室", 50, "55-60", "1930-2100")]),
            ("KS03-02", "昌平区沙河公租房项目", "昌平区", "昌平区沙河镇于辛庄路15号院", "邻近沙河高教园区。", [("一居室", 80, "37-42", "1370-1550"), ("二居室", 40, "54-58", "2000-2150")]),
        ],
    },
}


def units(project_code: str, layout: dict) -> list[list]:
    """A real-time project's units: per floor and entrance, a 一居室 (x01) and a 二居室 (x02);
    the upper floors of entrance 2 have 三居室 instead."""
    rows = []
    for building in range(1, layout["buildings"] + 1):
        for entrance in range(1, layout["entrances"] + 1):
            for floor in range(1, layout["floors"] + 1):
                for slot in (1, 2):
                    if slot == 1:
                        unit_type, area, facing = "一居室", Decimal("40.5") + floor % 3, "南"
                    elif entrance == 2 and floor > layout["floors"] - 3:
                        unit_type, area, facing = "三居室", Decimal("82.3") + floor % 2, "南北"
                    else:
                        unit_type, area, facing = "二居室", Decimal("58.6") + floor % 4, "南北" if building % 2 else "东西"
                    rent = money(area * layout["rate"])
                    # One estate's sheet written the way operators write it (1号楼, 1单元): the import reads it as 1 and 1.
                    named = layout.get("named")
                    rows.append([project_code, f"{building}号楼" if named else str(building),
                                 f"{entrance}单元" if named else str(entrance), floor, f"{floor}{slot:02d}",
                                 unit_type, area, rent, facing])
    return rows


def offers_from_units(rows: list[list]) -> list[tuple]:
    by_type: dict[str, list[list]] = {}
    for row in rows:
        by_type.setdefault(row[5], []).append(row)
    order = ["一居室", "二居室", "三居室"]
    result = []
    for unit_type in sorted(by_type, key=order.index):
        group = by_type[unit_type]
        areas, rents = [r[6] for r in group], [r[7] for r in group]
        result.append((unit_type, len(group), f"{min(areas)}-{max(areas)}", f"{min(rents)}-{max(rents)}"))
    return result


def workbook(spec: dict) -> Workbook:
    book = Workbook()
    book.remove(book.active)
    plan_code = spec["plan"][0]
    plans = book.create_sheet("计划")
    plans.append(PLAN_HEADER)
    plans.append(spec["plan"])
    for column in "DEF":
        plans[f"{column}2"].number_format = "yyyy-mm-dd hh:mm"
    projects = book.create_sheet("项目")
    projects.append(PROJECT_HEADER)
    unit_rows = []
    for code, name, district, address, intro, offers in spec["projects"]:
        if isinstance(offers, dict):
            mine = units(code, offers)
            unit_rows += mine
            offers = offers_from_units(mine)
        for unit_type, count, area, rent in offers:
            projects.append([plan_code, code, name, district, address, intro, unit_type, count, area, rent])
    sheet = book.create_sheet("房源")
    sheet.append(UNIT_HEADER)
    for row in unit_rows:
        sheet.append(row)
    book.properties.creator = "北京保障房中心（演示数据）"
    book.properties.created = book.properties.modified = dt.datetime.combine(ANCHOR, dt.time())
    return book


def main(out: Path = OUT) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, spec in PLANS.items():
        path = out / name
        workbook(spec).save(path)
        written.append(path)
    print(f"wrote {len(written)} demo plan workbooks to {out}", file=sys.stderr)
    return written


if __name__ == "__main__":
    main()
