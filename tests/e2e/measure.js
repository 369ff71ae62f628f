// Run by helpers.measure() in the page: the smallest figures of the page as it is drawn now.
// Only what a person can see counts: hidden, clipped (.visually-hidden) and off-screen
// elements are left out.
(targetLimit) => {
  const describe = (el) => {
    const text = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().replace(/\s+/g, " ");
    return `<${el.tagName.toLowerCase()}${el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : ""}> "${text.slice(0, 30)}"`;
  };
  const shown = (el) => {
    for (let e = el; e && e !== document.documentElement; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === "none" || s.visibility === "hidden" || s.opacity === "0") return false;
      if (s.position === "absolute" && s.clip === "rect(0px, 0px, 0px, 0px)") return false;
      if (e.tagName === "DETAILS" && !e.open && e !== el && !el.closest("summary")) return false;
    }
    const r = el.getBoundingClientRect();
    return r.width > 1 && r.height > 1 && r.right > 0 && r.left < document.documentElement.clientWidth;
  };

  // Text: every element that holds words of its own.
  const texts = [...document.body.querySelectorAll("*")].filter((el) =>
    [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()) && shown(el));
  let text = null, line = null, contrast = null;
  const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    // The first opaque background behind the element (the pages use flat colours only).
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] >= 0.95)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  for (const el of texts) {
    const s = getComputedStyle(el);
    const size = parseFloat(s.fontSize);
    if (!text || size < text.size) text = {size, at: describe(el)};
    const lh = s.lineHeight === "normal" ? 1.2 * size : parseFloat(s.lineHeight);
    const ratio = lh / size;
    if (!line || ratio < line.ratio) line = {ratio, at: describe(el)};
    if (!el.closest("h1, h2, h3, h4")) {
      let fg = rgb(s.color);
      const bg = background(el);
      if (fg.length === 4) fg = fg.slice(0, 3).map((v, i) => v * fg[3] + bg[i] * (1 - fg[3]));
      const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
      const c = (a + 0.05) / (b + 0.05);
      if (!contrast || c < contrast.ratio) contrast = {ratio: c, at: describe(el)};
    }
  }

  // Paragraph spacing: from one paragraph's last line to the next one's first, baseline to
  // baseline, as a multiple of the line height.
  let paragraph = null;
  for (const p of document.body.querySelectorAll("p + p")) {
    const prev = p.previousElementSibling;
    if (!shown(p) || !shown(prev) || !p.textContent.trim() || !prev.textContent.trim()) continue;
    const lh = parseFloat(getComputedStyle(p).lineHeight) || 1.2 * parseFloat(getComputedStyle(p).fontSize);
    const ratio = (p.getBoundingClientRect().top - prev.getBoundingClientRect().bottom + lh) / lh;
    if (!paragraph || ratio < paragraph.ratio) paragraph = {ratio, at: describe(p)};
  }

  // Targets: what a finger presses. A checkbox or radio button is pressed through its label.
  const selector = "a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex='-1'])";
  const boxes = [];
  for (let el of document.body.querySelectorAll(selector)) {
    if ((el.type === "checkbox" || el.type === "radio") && el.labels && el.labels.length) el = el.labels[0];
    if (!shown(el) || boxes.some((b) => b.el === el)) continue;
    boxes.push({el, r: el.getBoundingClientRect()});
  }
  let target = null;
  const small = [];
  for (const {el, r} of boxes) {
    const t = {w: Math.round(r.width * 10) / 10, h: Math.round(r.height * 10) / 10, at: describe(el)};
    if (!target || Math.min(t.w, t.h) < Math.min(target.w, target.h)) target = t;
    if (Math.min(t.w, t.h) < targetLimit && small.length < 10) small.push(t);
  }

  // Gap: the clear space between two targets, the nearer of across and down.
  let gap = null;
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      if (a.el.contains(b.el) || b.el.contains(a.el)) continue;
      // The skip link shows over the header only while it has the keyboard focus, by design.
      if (a.el.matches(".skip-link") || b.el.matches(".skip-link")) continue;
      const dx = Math.max(b.r.left - a.r.right, a.r.left - b.r.right);
      const dy = Math.max(b.r.top - a.r.bottom, a.r.top - b.r.bottom);
      const px = Math.round(Math.max(dx, dy, 0) * 10) / 10;
      if (!gap || px < gap.px) gap = {px, at: describe(a.el) + " and " + describe(b.el)};
    }
  }
  return {text, line, paragraph, target, small, gap, contrast};
}
