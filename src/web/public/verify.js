// The verification page: send a PDF to /verify/report and show the report as cards.
import { announce, chineseDateTime, clear, errorText, request } from './common.js';

const $ = (id) => document.getElementById(id);
const input = $('file');
const drop = $('drop');
const msg = $('verify-msg');
const out = $('report');
let jsonUrl = null;

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

const VERDICT = {
  valid: { tone: 'ok', title: '核验通过', text: '所有电子签名有效，签名后文件未被篡改。' },
  invalid: { tone: 'bad', title: '核验未通过', text: '至少有一个签名无效，或签名后文件被改动。请勿依赖此文件。' },
  indeterminate: { tone: 'warn', title: '无法完全确认', text: '签名完整，但证书是否可信或是否吊销无法确认。' },
  no_signatures: { tone: 'warn', title: '文件没有电子签名', text: '此文件不含电子签名，无法确认签署情况。' },
};
// Valid signatures on a contract of ours that not every party has signed yet: not a plain pass.
const PARTIAL = { tone: 'warn', title: '签名有效，但尚未全部签署', text: '' };

function overall(report) {
  const c = report.contract;
  if (report.verdict === 'valid' && c && !c.allPartiesSigned) {
    const missing = c.parties.filter((p) => !p.signed).map((p) => p.label).join('、');
    return { ...PARTIAL, text: `本合同应由 ${c.expectedParties} 方签署，目前已签署 ${c.signedParties} 方，尚待${missing}签署。已有的签名均有效。` };
  }
  if (report.verdict === 'valid' && report.signatures.some((sig) => sig.modificationLevel === 'annotations')) {
    return { tone: 'warn', title: '签名有效，但签署后添加了批注', text: '签名本身有效，但签署之后有人在文件上添加了批注（见下文）。批注不属于签署的内容，可能遮盖原文，请以签署时的内容为准。' };
  }
  if (report.verdict === 'no_signatures' && report.signatures.length > 0) {
    return { ...VERDICT.no_signatures, text: '此文件只有文档时间戳：它只证明文件在某一时间已经存在，不代表任何人签署或同意。' };
  }
  return VERDICT[report.verdict] || VERDICT.indeterminate;
}

const WHAT = {
  signature_field_filled: '填写了预留的签名域（后续签署）',
  signature_dictionary: '新增签名数据',
  signature_widget: '签名外观',
  signature_appearance: '签名外观',
  catalog_entries: '文档目录中加入验证数据或元数据',
  catalog_extensions: '文档扩展声明',
  catalog_replaced: '文档目录被替换',
  document_info: '文档信息（修改时间、生成软件）更新',
  document_info_replaced: '文档信息被替换',
  xmp_metadata: '文档元数据（XMP）更新',
  encryption_changed: '加密设置被修改',
  new_field: '新增不可见表单域',
  new_visible_field: '新增可见表单域',
  new_signature_field: '新增签名域并签署',
  document_timestamp_field: '新增文档时间戳（不可见）',
  page_annotations_appended: '页面批注列表增加',
  acroform_signature_entries: '表单签名标记',
  annotation_appearance: '批注外观',
  annotation_popup: '批注弹出框',
  dss_data: '验证数据',
  timestamp_in_existing_field: '文档时间戳填入了签署方的签名域（时间戳不代表任何人签署）',
  timestamp_visible_field: '文档时间戳带有可见外观',
  reference_to_signed_object: '改动的对象引用了已签署的内容',
  dss: '补充验证数据（证书、吊销信息）',
  identical_rewrite: '内容相同的重写',
  object_stream: '对象流',
  page: '页面被修改',
  page_content: '页面内容被修改',
  font: '字体被修改',
  annotation: '新增或修改批注',
  xobject: '图像或表单对象被修改',
  catalog_changed: '文档目录被修改',
  new_object: '新增对象',
  object_changed: '对象被修改',
  object_deleted: '对象被删除',
  xref_repoint: '交叉引用被改指向',
  xref_structure: '交叉引用结构异常',
  xref_stream: '交叉引用流',
  trailing_data: '文件末尾有未签名的数据',
};

function signerName(sig) {
  const s = sig.signer;
  // The subject's serialNumber is an ID number: the page shows the name only.
  return (s && (s.commonName || s.organisation)) || '（未知签署人）';
}

function checkLine(label, ok, okText, badText) {
  return el('li', { className: ok === true ? 'ok' : ok === false ? 'bad' : 'warn' }, `${label}：${ok === true ? okText : badText}`);
}

function signatureCard(sig, index) {
  const v = VERDICT[sig.verdict] || VERDICT.indeterminate;
  const time = sig.signingTime && sig.signingTime.value;
  const timeSource = sig.signingTime && sig.signingTime.source === 'timestamp' ? '（可信时间戳）' : sig.signingTime && sig.signingTime.source === 'claimed' ? '（签署软件声明，未经时间戳证明）' : '';
  const disallowed = sig.modificationsAfter.disallowed;
  const allowed = sig.modificationsAfter.allowed;
  const changes = disallowed.length + allowed.length === 0
    ? el('p', {}, '签名后文件没有任何改动。')
    : el('div', {},
        disallowed.length > 0 ? el('p', { className: 'bad-text' }, `签名后有 ${disallowed.length} 处不允许的改动：`) : null,
        disallowed.length > 0 ? el('ul', { className: 'changes bad' }, ...disallowed.map((m) => el('li', {}, `${WHAT[m.what] || m.what}（第 ${m.revision} 次修订）`))) : null,
        allowed.length > 0 ? el('p', {}, `签名后的允许改动（${allowed.length} 处），如后续签署：`) : null,
        allowed.length > 0 ? el('ul', { className: 'changes' }, ...dedupe(allowed.map((m) => WHAT[m.what] || m.what)).map((t) => el('li', {}, t))) : null,
      );
  const chainOk = sig.chain && sig.chain.trusted ? true : sig.chain && sig.chain.status === 'failed' ? false : null;
  const revoked = sig.revocation && sig.revocation.status;
  return el('article', { className: `card sig sig-${v.tone}`, ariaLabel: `签名 ${index + 1}：${v.title}` },
    el('h3', {}, el('span', { className: `badge badge-${v.tone}` }, v.title), ` ${signerName(sig)}`),
    el('dl', { className: 'terms' },
      el('div', {}, el('dt', {}, '签署时间'), el('dd', {}, time ? `${chineseDateTime(time)}${timeSource}` : '未知')),
      el('div', {}, el('dt', {}, '签名类型'), el('dd', {}, sig.type === 'document_timestamp' ? '文档时间戳' : `电子签名${sig.padesLevel ? `（PAdES ${sig.padesLevel}）` : ''}`)),
      el('div', {}, el('dt', {}, '签名覆盖'), el('dd', {}, sig.coverage.kind === 'entire_file' ? '整个文件' : sig.coverage.kind === 'entire_revision' ? '签署时的完整文件' : '部分文件')),
    ),
    el('ul', { className: 'checks' },
      checkLine('内容完整性', sig.integrity.status === 'ok' ? true : sig.integrity.status === 'failed' ? false : null, '签名时的内容未被改动', '签名与内容不符'),
      checkLine('证书', chainOk, '由受信任的机构签发', chainOk === false ? '证书链无效' : '无法确认证书是否可信'),
      checkLine('吊销状态', revoked === 'good' ? true : revoked === 'revoked' ? false : null, '证书未被吊销', revoked === 'revoked' ? '证书已被吊销' : '无法确认'),
      sig.party ? checkLine('签署方', sig.party.matches, `${sig.party.label}本方的证书`, sig.party.role ? `不是${sig.party.label}的证书` : '不是本合同的签署方') : null,
    ),
    el('h4', {}, '签名之后的改动'),
    changes,
    sig.reasons.length > 0 ? el('details', {}, el('summary', {}, '技术细节'), el('ul', {}, ...sig.reasons.map((r) => el('li', {}, r)))) : null,
  );
}

function dedupe(list) {
  return [...new Set(list)];
}

function registeredCard(report) {
  const file = report.registered;
  const covered = report.signatures.map((s) => s.registered).find((r) => r.matched);
  let text;
  let tone;
  let id = null;
  if (file.matched) {
    text = `此文件是本平台出具的合同文件（第 ${file.version} 版），与登记的文件完全一致。`;
    tone = 'ok';
    id = file.contractId;
  } else if (covered) {
    text = `签名所覆盖的内容是本平台出具的合同（第 ${covered.version} 版），但此文件与本平台登记的任何版本都不完全相同。`;
    tone = 'warn';
    id = covered.contractId;
  } else {
    text = '本平台没有登记此文件。它可能不是本平台出具的，或已被改动。';
    tone = 'warn';
  }
  const c = report.contract;
  return el('article', { className: `card sig sig-${tone}`, id: 'registered-result' },
    el('h3', {}, '是否为本平台登记的文件'),
    el('p', {}, text),
    c ? el('p', { id: 'parties' }, `合同 ${c.contractNumber}：已签署 ${c.signedParties} / ${c.expectedParties} 方（${c.parties.map((p) => `${p.label}${p.signed ? '已签' : '未签'}`).join('，')}）。`) : null,
    c && c.newerVersionExists ? el('p', { className: 'bad-text', id: 'newer-version' }, `本平台已有此合同更新的版本（第 ${c.latestVersion} 版），请以最新版本为准。`) : null,
    id ? el('p', {}, el('a', { href: `/verify?doc=${encodeURIComponent(id)}` }, '查看本平台登记的各版本')) : null,
  );
}

function showReport(report, fileName) {
  const v = overall(report);
  if (jsonUrl) URL.revokeObjectURL(jsonUrl);
  jsonUrl = URL.createObjectURL(new Blob([JSON.stringify(report, null, 2)], { type: 'application/json' }));
  out.replaceChildren(
    el('h2', { id: 'report-h' }, '核验结果'),
    el('div', { className: `card verdict verdict-${v.tone}`, id: 'verdict' },
      el('h3', { className: 'verdict-title', id: 'verdict-title' }, v.title),
      el('p', {}, v.text),
      el('p', { className: 'help' }, `文件：${fileName}（${Math.ceil(report.size / 1024)} KB，${report.revisions} 次修订）`),
      el('p', { className: 'help' }, 'SHA-256：', el('code', { className: 'hash' }, report.sha256)),
      el('p', {}, el('a', { className: 'button secondary', href: jsonUrl, download: `verification-${report.sha256.slice(0, 12)}.json`, id: 'download-json' }, '下载核验报告（JSON）')),
    ),
    registeredCard(report),
    ...report.signatures.map(signatureCard),
    ...(report.warnings.length > 0 ? [el('details', { className: 'card' }, el('summary', {}, '技术提示'), el('ul', {}, ...report.warnings.map((w) => el('li', {}, w))))] : []),
  );
  out.querySelector('#verdict').dataset.verdict = report.verdict;
  out.hidden = false;
  out.focus();
}

async function verify(file) {
  clear(msg);
  if (!file) return;
  if (!/\.pdf$/i.test(file.name) && file.type !== 'application/pdf') return announce(msg, '请选择 PDF 文件。');
  announce(msg, `正在核验“${file.name}”…`, 'info', false);
  out.setAttribute('aria-busy', 'true');
  try {
    const report = await request('POST', '/verify/report', await file.arrayBuffer(), 'application/pdf');
    clear(msg);
    showReport(report, file.name);
  } catch (err) {
    out.hidden = true;
    announce(msg, errorText(err));
  } finally {
    out.removeAttribute('aria-busy');
  }
}

input.addEventListener('change', () => verify(input.files[0]));
for (const type of ['dragenter', 'dragover']) {
  drop.addEventListener(type, (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
}
for (const type of ['dragleave', 'drop']) drop.addEventListener(type, () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  const file = e.dataTransfer && e.dataTransfer.files[0];
  if (file) verify(file);
});
