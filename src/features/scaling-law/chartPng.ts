/**
 * PNG of the charts as they are on screen: every SVG (recharts' surfaces and the legend swatches) is
 * serialised and drawn onto a canvas at its on-screen position, then the visible text around them (titles,
 * legend entries, captions) is drawn word by word at the positions the browser laid it out.
 */

export async function elementToPng(root: HTMLElement, pixelRatio = 2): Promise<Blob> {
  const box = root.getBoundingClientRect();
  const canvas = document.createElement('canvas');
  canvas.width = Math.ceil(box.width * pixelRatio);
  canvas.height = Math.ceil(box.height * pixelRatio);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('This browser gave no 2D canvas to draw the PNG on.');
  ctx.scale(pixelRatio, pixelRatio);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, box.width, box.height);

  for (const svg of root.querySelectorAll('svg')) {
    const rect = svg.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) continue;
    const image = await svgImage(svg, rect);
    ctx.drawImage(image, rect.left - box.left, rect.top - box.top, rect.width, rect.height);
  }
  drawHtmlText(ctx, root, box);

  return new Promise((resolve, reject) =>
    canvas.toBlob(
      (blob) => (blob ? resolve(blob) : reject(new Error('The canvas could not be encoded as PNG.'))),
      'image/png',
    ),
  );
}

async function svgImage(svg: SVGSVGElement, rect: DOMRect): Promise<HTMLImageElement> {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', String(rect.width));
  clone.setAttribute('height', String(rect.height));
  // Outside the page the SVG sees none of its CSS: carry the font the text was laid out with. Through the CSSOM,
  // not setAttribute('style'), which the production Content-Security-Policy (vite.config.ts) would report.
  const style = getComputedStyle(svg);
  clone.style.cssText = `font-family: ${style.fontFamily}; font-size: ${style.fontSize}; background: transparent`;
  const xml = new XMLSerializer().serializeToString(clone);
  const image = new Image();
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(xml)}`;
  await image.decode();
  return image;
}

/** Text nodes outside SVGs (and outside hidden elements), one word at a time so wrapped lines land right. */
function drawHtmlText(ctx: CanvasRenderingContext2D, root: HTMLElement, box: DOMRect): void {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode: (node) =>
      node.parentElement && !node.parentElement.closest('svg') && node.textContent?.trim()
        ? NodeFilter.FILTER_ACCEPT
        : NodeFilter.FILTER_REJECT,
  });
  const range = document.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement!;
    const style = getComputedStyle(parent);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    ctx.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    ctx.fillStyle = style.color;
    ctx.textBaseline = 'alphabetic';
    const text = node.textContent ?? '';
    for (const match of text.matchAll(/\S+/g)) {
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const rect = range.getBoundingClientRect();
      if (rect.width === 0) continue;
      // The alphabetic baseline sits about a fifth of the line box above its bottom for these fonts.
      ctx.fillText(match[0], rect.left - box.left, rect.bottom - box.top - rect.height * 0.22);
    }
  }
}
