// Reading session documents: pdf.js draws PDF pages onto canvases (with the
// reader's name drawn into the pixels of a confidential document), and the
// offline button asks the service worker to keep a session's pages.

const drawWatermark = (ctx, text, width, height) => {
  if (!text) return;
  ctx.save();
  ctx.globalAlpha = 0.16;
  ctx.fillStyle = '#8f1d1d';
  ctx.font = `${Math.max(14, Math.round(width / 28))}px sans-serif`;
  ctx.translate(width / 2, height / 2);
  ctx.rotate(-Math.PI / 6);
  const step = Math.max(120, Math.round(width / 4));
  for (let y = -height; y < height; y += step) {
    for (let x = -width; x < width; x += ctx.measureText(text).width + 80) {
      ctx.fillText(text, x, y);
    }
  }
  ctx.restore();
};

const renderPdf = async (box) => {
  const status = box.querySelector('[data-pdf-status]');
  try {
    const pdfjs = await import(box.dataset.pdfjs);
    pdfjs.GlobalWorkerOptions.workerSrc = box.dataset.worker;
    // One fetch of the whole file: a confidential file's address works once.
    const response = await fetch(box.dataset.pdf, { credentials: 'same-origin' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const data = new Uint8Array(await response.arrayBuffer());
    const pdf = await pdfjs.getDocument({ data, isEvalSupported: false }).promise;
    const width = Math.min(box.clientWidth || 800, 1100);
    for (let n = 1; n <= pdf.numPages; n += 1) {
      const page = await pdf.getPage(n);
      const base = page.getViewport({ scale: 1 });
      const scale = width / base.width;
      const ratio = window.devicePixelRatio || 1;
      const viewport = page.getViewport({ scale: scale * ratio });
      const canvas = document.createElement('canvas');
      canvas.width = Math.floor(viewport.width);
      canvas.height = Math.floor(viewport.height);
      canvas.style.width = `${Math.floor(viewport.width / ratio)}px`;
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', `Trang ${n} / ${pdf.numPages}`);
      canvas.className = 'pdf-page';
      box.append(canvas);
      const ctx = canvas.getContext('2d');
      await page.render({ canvasContext: ctx, canvas, viewport }).promise;
      drawWatermark(ctx, box.dataset.watermark, canvas.width, canvas.height);
      box.dataset.pagesRendered = String(n);
    }
    status?.remove();
  } catch (error) {
    if (status) status.textContent = 'Không mở được tài liệu. Vui lòng tải lại trang.';
    box.dataset.pdfError = String(error);
  }
};

for (const box of document.querySelectorAll('[data-pdf]')) renderPdf(box);

// A confidential document is not printed or copied from the page.
for (const view of document.querySelectorAll('.confidential')) {
  for (const kind of ['copy', 'cut', 'contextmenu', 'dragstart']) {
    view.addEventListener(kind, (event) => event.preventDefault());
  }
}

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js').catch(() => {});
  for (const button of document.querySelectorAll('[data-offline-urls]')) {
    const status = document.querySelector('[data-offline-status]');
    button.hidden = false;
    button.addEventListener('click', async () => {
      const urls = JSON.parse(button.dataset.offlineUrls);
      if (status) status.textContent = 'Đang lưu…';
      const registration = await navigator.serviceWorker.ready;
      registration.active?.postMessage({ type: 'keep', urls });
    });
    navigator.serviceWorker.addEventListener('message', (event) => {
      if (event.data?.type === 'kept' && status) {
        status.textContent = `Đã lưu ${event.data.saved}/${event.data.total} trang và tệp để đọc khi mất mạng.`;
      }
    });
  }
}
