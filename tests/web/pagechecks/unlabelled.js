// Form controls, buttons and links without an accessible name.
() => Array.from(document.querySelectorAll(
    'input:not([type=hidden]), select, textarea, button, a[href]')).filter(el => {
  const name = (el.getAttribute('aria-label') || '').trim() || (el.labels && Array.from(el.labels)
    .map(l => l.textContent.trim()).join('')) || (el.tagName === 'BUTTON' || el.tagName === 'A'
    ? el.textContent.trim() : '') || el.getAttribute('aria-labelledby') || el.title;
  return !name; }).map(el => el.outerHTML.slice(0, 80))
