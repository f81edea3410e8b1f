import QRCode from 'qrcode';

/** A filled rectangle in PDF user space (origin bottom left). */
export interface PlacedRect { x: number; y: number; width: number; height: number }

/**
 * The QR code of `text` as filled squares with the lower-left corner at (x, y). Dark modules of a
 * row are merged into runs so a page carries a few hundred rectangles instead of a thousand; vector
 * squares stay sharp at any zoom and need no image object.
 */
export function qrRects(text: string, x: number, y: number, size: number): PlacedRect[] {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = modules.size;
  const cell = size / n;
  const rects: PlacedRect[] = [];
  for (let row = 0; row < n; row++) {
    let col = 0;
    while (col < n) {
      if (!modules.get(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < n && modules.get(row, col)) col++;
      rects.push({ x: x + start * cell, y: y + size - (row + 1) * cell, width: (col - start) * cell, height: cell });
    }
  }
  return rects;
}
