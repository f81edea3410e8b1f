// Renders a PDF page by page into canvases that fit the container width (pdf.js, served from this origin).

/**
 * The modern pdf.js build needs what iOS Safari before 17.4 and older Android WebViews lack
 * (Promise.withResolvers, URL.parse): those get the legacy build, as does any browser the modern one fails in.
 */
const modernEnough = () => typeof Promise.withResolvers === 'function' && typeof URL.parse === 'function';

let pdfjs;
async function loadBuild(dir) {
  const lib = await import(new URL(`./pdfjs/${dir}pdf.min.mjs`, import.meta.url).href);
  lib.GlobalWorkerOptions.workerSrc = new URL(`./pdfjs/${dir}pdf.worker.min.mjs`, import.meta.url).href;
  return lib;
}
async function loadPdfjs() {
  if (!pdfjs) pdfjs = modernEnough() ? await loadBuild('').catch(() => loadBuild('legacy/')) : await loadBuild('legacy/');
  return pdfjs;
}

/**
 * Each page becomes a canvas (an image to assistive technology) followed by its text, visually hidden,
 * so a screen reader reads the contract itself rather than "image".
 */
export async function renderPdf(container, bytes, { onProgress } = {}) {
  const lib = await loadPdfjs();
  // eval off: the CSP forbids it, and pdf.js then uses its interpreted font path.
  const doc = await lib.getDocument({ data: bytes, isEvalSupported: false, disableFontFace: false, useSystemFonts: false }).promise;
  const width = Math.max(280, container.clientWidth);
  const ratio = Math.min(window.devicePixelRatio || 1, 2);
  // Page by page, each shown as soon as it is drawn: page 1 appears before the others are even fetched.
  container.replaceChildren();
  for (let n = 1; n <= doc.numPages; n++) {
    const page = await doc.getPage(n);
    const base = page.getViewport({ scale: 1 });
    const viewport = page.getViewport({ scale: (width / base.width) * ratio });
    const figure = document.createElement('figure');
    figure.className = 'pdf-page';
    const canvas = document.createElement('canvas');
    canvas.width = Math.floor(viewport.width);
    canvas.height = Math.floor(viewport.height);
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', `合同第 ${n} 页，共 ${doc.numPages} 页`);
    const text = document.createElement('figcaption');
    text.className = 'sr-only';
    figure.append(canvas, text);
    container.append(figure);
    await page.render({ canvas, canvasContext: canvas.getContext('2d'), viewport }).promise;
    const content = await page.getTextContent();
    text.textContent = content.items.map((item) => item.str).join('');
    if (onProgress) onProgress(n, doc.numPages);
  }
  return doc.numPages;
}
