/*
 * Layout checks run in the page on what Chromium laid out: text boxes that overlap each other or
 * leave their tile, text whose contrast against what is behind it is below WCAG AA, and boxes wider
 * than their container. Each finding names the element, so a failing test says what to look at.
 */

/**
 * In the page: `rootSelector` is what to check, `tileSelector` the boxes text must stay inside
 * (e.g. a camera tile; the root itself when absent). Returns findings, empty when all is well.
 */
function inPage({ rootSelector, tileSelector, pictureSelector }) {
  const root = document.querySelector(rootSelector);
  if (!root) {
    return { error: `nothing matches ${rootSelector}`, texts: 0 };
  }
  const describe = (el) => {
    const id = el.getAttribute('data-testid') ?? el.getAttribute('aria-label') ?? '';
    const text = (el.textContent ?? '').trim().slice(0, 40);
    return `<${el.tagName.toLowerCase()}${id ? ` ${id}` : ''}> "${text}"`;
  };
  const shown = (el) => {
    for (let e = el; e && e !== document.documentElement; e = e.parentElement) {
      const cs = getComputedStyle(e);
      if (cs.display === 'none' || cs.visibility === 'hidden' || Number(cs.opacity) < 0.05) {
        return false;
      }
    }
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  /** The box a text node is laid out in: its nearest ancestor that is not an inline box. */
  const holder = (node) => {
    let e = node.parentElement;
    while (e && e !== root && getComputedStyle(e).display === 'inline') {
      e = e.parentElement;
    }
    return e;
  };

  // Text holders: boxes that hold visible text directly (or through inline children).
  const holders = new Set();
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.textContent.trim()) {
      continue;
    }
    const h = holder(n);
    if (h && shown(n.parentElement) && shown(h)) {
      holders.add(h);
    }
  }
  const boxes = Array.from(holders).map((el) => ({ el, r: el.getBoundingClientRect() }));
  const overlaps = [];
  const outside = [];
  const EPS = 0.5;
  for (let i = 0; i < boxes.length; i++) {
    const a = boxes[i];
    for (let j = i + 1; j < boxes.length; j++) {
      const b = boxes[j];
      if (a.el.contains(b.el) || b.el.contains(a.el)) {
        continue;
      }
      const w = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
      const h = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
      if (w > EPS && h > EPS) {
        overlaps.push(`${describe(a.el)} overlaps ${describe(b.el)} by ${w.toFixed(1)}×${h.toFixed(1)} px`);
      }
    }
    const tile = (tileSelector && a.el.closest(tileSelector)) || root;
    const t = tile.getBoundingClientRect();
    if (a.r.left < t.left - EPS || a.r.top < t.top - EPS || a.r.right > t.right + EPS || a.r.bottom > t.bottom + EPS) {
      outside.push(`${describe(a.el)} leaves ${describe(tile)}`);
    }
  }

  // Contrast: the text colour against the colours behind it, composited up to an opaque one. Over
  // a picture (or video) what is behind may be anything: the worst of black and white counts.
  const parse = (c) => {
    const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(c);
    return m ? { r: +m[1], g: +m[2], b: +m[3], a: m[4] === undefined ? 1 : +m[4] } : { r: 0, g: 0, b: 0, a: 0 };
  };
  const over = (top, below) => ({
    r: top.r * top.a + below.r * (1 - top.a),
    g: top.g * top.a + below.g * (1 - top.a),
    b: top.b * top.a + below.b * (1 - top.a),
    a: 1,
  });
  const lum = ({ r, g, b }) => {
    const ch = (v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b);
  };
  const ratio = (x, y) => {
    const [hi, lo] = [lum(x), lum(y)].sort((p, q) => q - p);
    return (hi + 0.05) / (lo + 0.05);
  };
  const lowContrast = [];
  let minContrast = Infinity;
  for (const { el } of boxes) {
    const layers = [];
    let overPicture = false;
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.a > 0) {
        layers.push(c);
      }
      if (c.a >= 1) {
        break;
      }
      // Laid over a picture (a sibling img or video): what shows through is the picture.
      const siblings = e.parentElement ? Array.from(e.parentElement.children) : [];
      if (pictureSelector && siblings.some((ch) => ch !== e && ch.matches(pictureSelector) && shown(ch))) {
        overPicture = true;
        break;
      }
      if (e === document.body) {
        layers.push({ r: 255, g: 255, b: 255, a: 1 });
        break;
      }
    }
    const grounds =
      overPicture || !layers.some((l) => l.a >= 1)
        ? [
            { r: 0, g: 0, b: 0, a: 1 },
            { r: 255, g: 255, b: 255, a: 1 },
          ]
        : [layers.pop()];
    const cs = getComputedStyle(el);
    const fg = parse(cs.color);
    let worst = Infinity;
    for (const ground of grounds) {
      let bg = ground;
      for (let i = layers.length - 1; i >= 0; i--) {
        bg = over(layers[i], bg);
      }
      worst = Math.min(worst, ratio(over(fg, bg), bg));
    }
    // AA: 4.5 for body text, 3 for large text (24 px, or 18.66 px bold).
    const size = parseFloat(cs.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(cs.fontWeight) >= 700);
    const need = large ? 3 : 4.5;
    minContrast = Math.min(minContrast, worst);
    if (worst < need) {
      lowContrast.push(`${describe(el)} contrast ${worst.toFixed(2)} < ${need} (${cs.color})`);
    }
  }

  // Boxes wider than their container (inline boxes excepted: ellipsised text overflows its line on
  // purpose), among those that show something: text, a picture, a control.
  const tooWide = [];
  const media = Array.from(root.querySelectorAll('img, video, input, button, svg')).filter(shown);
  const showsSomething = (el) => boxes.some((b) => el.contains(b.el)) || media.some((m) => el.contains(m));
  for (const el of root.querySelectorAll('*')) {
    if (el instanceof SVGElement || !shown(el) || !showsSomething(el)) {
      continue;
    }
    const cs = getComputedStyle(el);
    if (cs.display === 'inline' || cs.position === 'fixed') {
      continue;
    }
    const parent = el.parentElement;
    if (!parent || parent === document.body) {
      continue;
    }
    const r = el.getBoundingClientRect();
    const p = parent.getBoundingClientRect();
    if (r.width > p.width + 1) {
      tooWide.push(
        `${describe(el)} is ${r.width.toFixed(0)} px wide in ${describe(parent)} of ${p.width.toFixed(0)} px`
      );
    }
  }
  return {
    texts: boxes.length,
    overlaps,
    outside,
    lowContrast,
    tooWide,
    minContrast: Number.isFinite(minContrast) ? Number(minContrast.toFixed(2)) : null,
  };
}

/** Runs the checks on the page: see inPage. */
export function checkLayout(page, opts) {
  return page.evaluate(inPage, {
    rootSelector: opts.rootSelector,
    tileSelector: opts.tileSelector ?? null,
    pictureSelector: opts.pictureSelector ?? null,
  });
}
