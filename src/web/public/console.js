// The console's few scripted parts: a batch's progress, the preview of an uploaded sheet, the seal drawn by pdf.js.
// Every page works without this file; it only saves reloading.

const batch = document.getElementById('batch');
if (batch && batch.dataset.status !== 'completed') {
  const progress = document.getElementById('batch-progress');
  const poll = async () => {
    const res = await fetch(batch.dataset.statusUrl, { credentials: 'same-origin', headers: { accept: 'application/json' } });
    if (!res.ok) return;
    const b = await res.json();
    const done = b.total - b.pending;
    progress.value = done;
    progress.textContent = `${Math.floor((done / Math.max(1, b.total)) * 100)}%`;
    for (const el of batch.querySelectorAll('[data-count]')) {
      const key = el.dataset.count;
      el.textContent = String(key === 'done' ? done : b[key]);
    }
    // Finished: the page again, for the result table and the next step.
    if (b.status === 'completed') window.location.reload();
    else setTimeout(poll, 1000);
  };
  setTimeout(poll, 1000);
}

const form = document.getElementById('bulk-form');
const previewButton = document.getElementById('bulk-preview');
if (form && previewButton) {
  previewButton.hidden = false;
  const result = document.getElementById('bulk-result');
  const cell = (text) => Object.assign(document.createElement('td'), { textContent: String(text) });
  previewButton.addEventListener('click', async () => {
    if (!form.reportValidity()) return;
    result.textContent = '正在校验…';
    const body = new FormData(form);
    const res = await fetch('/console/batches/preview', { method: 'POST', body, credentials: 'same-origin' });
    const answer = await res.json();
    result.replaceChildren();
    if (!res.ok) {
      result.append(Object.assign(document.createElement('p'), { className: 'msg msg-bad', textContent: answer.error?.message ?? '无法校验' }));
      return;
    }
    const rows = new Set(answer.errors.map((e) => e.row));
    result.append(Object.assign(document.createElement('p'), {
      id: 'preview-summary',
      className: `msg ${rows.size ? 'msg-warn' : 'msg-ok'}`,
      textContent: `共 ${answer.total} 行：${answer.valid} 行可以签发，${rows.size} 行有问题${rows.size ? '（不会签发，见下表）' : ''}。`,
    }));
    if (answer.errors.length === 0) return;
    const table = document.createElement('table');
    table.className = 'data';
    table.id = 'preview-errors';
    const head = table.createTHead().insertRow();
    for (const h of ['行', '列', '问题']) head.append(Object.assign(document.createElement('th'), { scope: 'col', textContent: h }));
    const tbody = table.createTBody();
    for (const e of answer.errors) tbody.insertRow().append(cell(e.row), cell(e.column), cell(e.message));
    const wrap = Object.assign(document.createElement('div'), { className: 'table-wrap' });
    wrap.append(table);
    result.append(wrap);
  });
}

for (const el of document.querySelectorAll('.seal-preview[data-pdf]')) {
  (async () => {
    const [{ renderPdf }, res] = await Promise.all([import('./pdfView.js'), fetch(el.dataset.pdf, { credentials: 'same-origin' })]);
    if (res.ok) await renderPdf(el, new Uint8Array(await res.arrayBuffer()));
  })();
}
