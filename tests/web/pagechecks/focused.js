// The focused element and whether its focus is visible: an outline at least 2px wide whose
// colour has a contrast of at least 3:1 with the background around it (WCAG's non-text
// contrast), or, for the inbox's current alert, such a ring drawn as a box shadow.
() => { const el = document.activeElement; if (!el || el === document.body) return null;
  const parse = c => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null;
    return m[1].split(/[\s,\/]+/).filter(Boolean).map(Number); };
  const lin = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  const lum = c => 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
  let bg = [255, 255, 255];
  for (let e = el.parentElement; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor);
    if (c && (c.length < 4 || c[3] >= 1)) { bg = c; break; } }
  const cs = getComputedStyle(el), r = el.getBoundingClientRect();
  const shadow = cs.boxShadow.match(/(rgba?\([^)]+\))[^,]*?0px 0px 0px ([2-9]|\d\d)px/);
  const color = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2
    ? parse(cs.outlineColor) : (shadow ? parse(shadow[1]) : null);
  const a = color ? lum(color) : 0, b = lum(bg);
  const contrast = color ? (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) : 0;
  return {tag: el.tagName.toLowerCase(), text: (el.textContent || el.name || el.id || '').trim()
    .slice(0, 40), ring: contrast >= 3, contrast: contrast.toFixed(2),
    onscreen: r.bottom > 0 && r.right > 0 && r.width > 0,
    inMain: !!el.closest('main'), id: el.id, cls: el.className}; }
