// The evidence report (电子签约存证报告): a contract's identity, document versions, signers' identity
// checks and certificates and its full audit-event chain, typeset as an A4 PDF and signed with the
// utility's organisation certificate so it can be verified on its own.
import { chinaParts, pad2 } from '../chinaTime.js';
import { signPdfField, type SigningIdentity, type TimestampClient } from '../signing/index.js';
import type { ResolvedBlock } from './documentModel.js';
import type { DocumentRenderer } from './renderer.js';

export interface EvidenceInput {
  contract: {
    id: string;
    contractNumber: string;
    title: string;
    templateId: string;
    templateVersion: number;
    templateSha256: string;
    reference: string;
    status: string;
    createdAt: string;
    completedAt?: string | null;
  };
  versions: { version: number; sha256: string; size: number; reason: string; createdAt: string }[];
  signers: {
    order: number;
    role: string;
    label: string;
    kind: 'person' | 'organisation';
    name: string;
    idType?: string | null;
    idNumberMasked?: string | null;
    mobileMasked?: string | null;
    status: string;
    codeSentAt: string[];
    codeVerifiedAt?: string | null;
    signedAt?: string | null;
    certificateSerial?: string | null;
    certificateIssuer?: string | null;
    timestampTime?: string | null;
    declinedAt?: string | null;
    declineReason?: string | null;
    /** The drawn signature placed in the appearance, when there was one. */
    handwritten?: { strokes: number; points: number; sha256: string } | null;
  }[];
  events: {
    seq: number;
    type: string;
    at: string;
    actor: { type: string; id: string };
    ip: string | null;
    document: { version: number; sha256: string } | null;
    hash: string;
    prevHash: string;
  }[];
  chainValid: boolean;
  generatedAt: Date;
  /** The organisation that makes and seals the report; its seal shows sealNumber (the credit code when absent). */
  utility: { name: string; creditCode: string; sealNumber?: string };
}

export interface EvidenceSigner {
  identity: SigningIdentity;
  timestamp: TimestampClient;
}

/** Name of the one signature field the report carries. */
export const EVIDENCE_SIGNATURE_FIELD = 'sig_utility';

const EVENT_LABELS: Record<string, string> = {
  'contract.created': '合同创建',
  'contract.completed': '签署完成',
  'contract.declined': '合同被拒签',
  'contract.expired': '合同已过期',
  'contract.voided': '合同作废',
  'signer.notified': '通知签署方',
  'signer.viewed': '签署方查看',
  'signer.code_sent': '发送验证码',
  'signer.code_failed': '验证码错误',
  'signer.locked': '签署方锁定',
  'signer.signed': '签署方签署',
  'signer.declined': '签署方拒签',
  'document.downloaded': '下载文件',
  'document.verified': '文件验签',
  'certificate.issued': '签发证书',
  'certificate.revoked': '吊销证书',
  'document.timestamp_renewed': '文档时间戳续期',
};

const CONTRACT_STATUS: Record<string, string> = {
  awaiting_signatures: '待签署',
  partially_signed: '部分签署',
  completed: '已完成',
  declined: '已拒签',
  expired: '已过期',
  voided: '已作废',
};

const SIGNER_STATUS: Record<string, string> = {
  pending: '待签署',
  notified: '已通知',
  viewed: '已查看',
  signed: '已签署',
  declined: '已拒签',
};

const ID_TYPES: Record<string, string> = {
  resident_id: '居民身份证',
  passport: '护照',
  unified_social_credit_code: '统一社会信用代码',
  other: '其他证件',
};

const ACTOR_TYPES: Record<string, string> = { api_key: '接口密钥', signer: '签署方', system: '系统', staff: '工作人员' };

const labelled = (map: Record<string, string>, code: string) => (map[code] ? `${map[code]}（${code}）` : code);

/** China Standard Time (UTC+8, no DST) with seconds, whatever the server's zone. */
export function chinaTime(value: string | Date | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  const t = chinaParts(d);
  return `${t.year}-${pad2(t.month)}-${pad2(t.day)} ${pad2(t.hour)}:${pad2(t.minute)}:${pad2(t.second)}`;
}

const dash = (v: string | null | undefined) => (v === null || v === undefined || v === '' ? '—' : v);

function versionReason(reason: string, signers: EvidenceInput['signers']): string {
  if (reason === 'generated') return '合同生成';
  if (reason === 'archive_timestamp') return '文档时间戳续期';
  const m = /^signed:(.+)$/.exec(reason);
  if (m) {
    const s = signers.find((x) => x.role === m[1]);
    return `${s ? s.label : m[1]}签署`;
  }
  return reason;
}

function actorText(actor: { type: string; id: string }): string {
  const label = ACTOR_TYPES[actor.type] ?? actor.type;
  return actor.id === actor.type ? label : `${label} ${actor.id}`;
}

/** A SHA-256 hex digest as two lines of 32 digits, so it wraps at the same place in every cell. */
function hexHalves(hex: string): string {
  return /^[0-9a-fA-F]{64}$/.test(hex) ? `${hex.slice(0, 32)}\n${hex.slice(32)}` : hex;
}

function formatSize(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`;
}

function signerBlocks(s: EvidenceInput['signers'][number]): ResolvedBlock[] {
  const rows: string[][] = [
    [s.kind === 'organisation' ? '名称' : '姓名', s.name],
    ['签署角色', `${s.label}（${s.role}）`],
  ];
  if (s.idType || s.idNumberMasked) rows.push(['证件（脱敏）', `${s.idType ? (ID_TYPES[s.idType] ?? s.idType) : '证件'}：${dash(s.idNumberMasked)}`]);
  if (s.kind === 'person' || s.mobileMasked) {
    rows.push(['手机号（脱敏）', dash(s.mobileMasked)]);
    rows.push(['验证码发送时间', s.codeSentAt.length > 0 ? s.codeSentAt.map(chinaTime).join('\n') : '—']);
    rows.push(['验证码验证时间', chinaTime(s.codeVerifiedAt)]);
  }
  rows.push(['签署状态', labelled(SIGNER_STATUS, s.status)]);
  if (s.certificateSerial || s.certificateIssuer || s.signedAt) {
    rows.push(['证书序列号', dash(s.certificateSerial)]);
    rows.push(['证书颁发者', dash(s.certificateIssuer)]);
    rows.push(['签署时间（可信时间戳）', s.timestampTime ? chinaTime(s.timestampTime) : `${chinaTime(s.signedAt)}（无时间戳）`]);
  }
  if (s.kind === 'person' && s.status === 'signed') {
    rows.push(['手写签名', s.handwritten ? `已手写（${s.handwritten.strokes} 笔，${s.handwritten.points} 点），轨迹 SHA-256：\n${hexHalves(s.handwritten.sha256)}` : '未手写（以打印姓名签署）']);
  }
  if (s.declinedAt || s.status === 'declined') {
    rows.push(['拒签时间', chinaTime(s.declinedAt)]);
    rows.push(['拒签理由', dash(s.declineReason)]);
  }
  return [
    { kind: 'paragraph', text: `签署方 ${s.order}：${s.label}（${s.kind === 'organisation' ? '单位' : '个人'}）`, indent: false, align: 'left', bold: true },
    { kind: 'table', widths: [30, 70], rows, labelColumn: true },
  ];
}

/** The report's content as layout blocks; exported for tests that check wording without a PDF. */
export function evidenceBlocks(input: EvidenceInput): ResolvedBlock[] {
  const c = input.contract;
  const blocks: ResolvedBlock[] = [
    { kind: 'title', text: '电子签约存证报告' },
    {
      kind: 'paragraph',
      text: `报告编号：EV-${c.contractNumber}-${chinaTime(input.generatedAt).replace(/\D/g, '')}\n生成时间：${chinaTime(input.generatedAt)}（北京时间 UTC+8）`,
      indent: false, align: 'center', bold: false,
    },
    {
      kind: 'paragraph',
      text: `本报告由${input.utility.name}（统一社会信用代码 ${input.utility.creditCode}）的电子签约系统根据系统记录生成，载明合同各版本文件的 SHA-256 摘要、各签署方的身份核验与意愿确认过程、数字证书与可信时间戳信息以及完整的操作事件链。本报告已加盖该单位的电子签章（数字签名），任何修改均可被发现。报告中的时间均为北京时间（UTC+8）；个人证件号码与手机号码已脱敏。`,
      indent: true, align: 'left', bold: false,
    },
    { kind: 'heading', text: '一、合同信息' },
    {
      kind: 'table', widths: [30, 70], labelColumn: true,
      rows: [
        ['合同编号', c.contractNumber],
        ['合同名称', c.title],
        ['合同标识', c.id],
        ['业务参考号', c.reference],
        ['模板', `${c.templateId} 第 ${c.templateVersion} 版`],
        ['模板 SHA-256', hexHalves(c.templateSha256)],
        ['合同状态', labelled(CONTRACT_STATUS, c.status)],
        ['创建时间', chinaTime(c.createdAt)],
        ['完成时间', chinaTime(c.completedAt)],
      ],
    },
    { kind: 'heading', text: '二、文件版本' },
    {
      kind: 'paragraph',
      text: '每次签署都在原文件后以增量方式追加签名，形成新的文件版本；下列摘要可与所持文件的 SHA-256 值逐一比对。',
      indent: true, align: 'left', bold: false,
    },
    {
      // Widths in points of the 453 pt text width: every cell but the digest fits on one line.
      kind: 'table', widths: [29, 62, 108, 50, 204], header: ['版本', '产生原因', '时间（UTC+8）', '大小', 'SHA-256'], labelColumn: false,
      rows: [...input.versions].sort((a, b) => a.version - b.version).map((v) => [
        `v${v.version}`, versionReason(v.reason, input.signers), chinaTime(v.createdAt), formatSize(v.size), hexHalves(v.sha256),
      ]),
    },
    { kind: 'heading', text: '三、签署方身份核验与签署信息' },
  ];
  const signers = [...input.signers].sort((a, b) => a.order - b.order);
  for (const s of signers) blocks.push(...signerBlocks(s));
  if (signers.length === 0) blocks.push({ kind: 'paragraph', text: '无签署方记录。', indent: false, align: 'left', bold: false });

  blocks.push(
    { kind: 'heading', text: '四、操作事件链' },
    {
      kind: 'paragraph',
      text: '每条事件记录其前一条事件的哈希值（SHA-256），构成哈希链；任何事件被修改、删除或插入都会使其后的哈希校验失败。下表列出每条事件哈希值的前 16 位。',
      indent: true, align: 'left', bold: false,
    },
    {
      // Widths in points (453 pt in all, 8 pt of cell padding each), measured on Noto Serif SC 10.5 pt:
      // a date, the longest event code (document.downloaded, 119 pt), 16 hex digits (up to 108 pt) and a
      // dotted IPv4 address fit on one line; actor and IP share a column.
      kind: 'table', widths: [29, 63, 127, 89, 29, 116],
      header: ['序号', '时间', '事件', '操作者 / IP 地址', '版本', '哈希（前16位）'],
      labelColumn: false,
      rows: [...input.events].sort((a, b) => a.seq - b.seq).map((e) => [
        String(e.seq),
        chinaTime(e.at).replace(' ', '\n'),
        EVENT_LABELS[e.type] ? `${EVENT_LABELS[e.type]}\n${e.type}` : e.type,
        `${actorText(e.actor)}\n${dash(e.ip)}`,
        e.document ? `v${e.document.version}` : '—',
        e.hash.slice(0, 16),
      ]),
    },
    {
      kind: 'paragraph',
      text: input.chainValid
        ? `哈希链校验结果：通过。共 ${input.events.length} 条事件，每条事件的哈希值与前序链接均经重新计算核对一致${input.events.length > 0 ? `；最后一条事件的完整哈希值为 ${input.events.reduce((a, b) => (b.seq > a.seq ? b : a)).hash}` : ''}。`
        : `哈希链校验结果：未通过。共 ${input.events.length} 条事件，重新计算的哈希值或前序链接与存储记录不一致，事件记录可能已被篡改。`,
      indent: false, align: 'left', bold: true,
    },
    { kind: 'heading', text: '五、报告签章' },
    {
      kind: 'paragraph',
      text: `本报告由${input.utility.name}使用其单位数字证书签章并附可信时间戳。可使用任何支持 PDF 签名（PAdES）的软件验证本报告及合同文件的签名。`,
      indent: true, align: 'left', bold: false,
    },
    {
      kind: 'signatures',
      parties: [{
        role: 'utility',
        caption: '出具单位（电子签章）',
        lines: [input.utility.name, `日期：${chinaTime(input.generatedAt).slice(0, 10)}`],
        field: { widthMm: 42, heightMm: 42 },
      }],
    },
  );
  return blocks;
}

/**
 * Typesets the evidence report and signs its one field (`sig_utility`) with the utility's
 * organisation certificate, seal appearance and a timestamp (PAdES B-T).
 */
export async function createEvidenceReport(input: EvidenceInput, signer: EvidenceSigner, renderer: DocumentRenderer): Promise<Uint8Array> {
  const c = input.contract;
  const pdf = await renderer.renderBlocks(evidenceBlocks(input), {
    footer: (page, pages) => `第 ${page} 页 共 ${pages} 页　　电子签约存证报告　　合同编号：${c.contractNumber}`,
    meta: {
      title: `电子签约存证报告 ${c.contractNumber}`,
      subject: `evidence report ${c.id} ${c.contractNumber}`,
      issuedAt: input.generatedAt,
      idSeed: JSON.stringify(['evidence', c.id, input.generatedAt.toISOString(), input.events.length, input.events[input.events.length - 1]?.hash ?? '']),
    },
  });
  return signPdfField({
    pdf,
    fieldName: EVIDENCE_SIGNATURE_FIELD,
    identity: signer.identity,
    timestamp: signer.timestamp,
    appearance: { kind: 'seal', organisation: input.utility.name, sealNumber: input.utility.sealNumber ?? input.utility.creditCode },
    reason: '存证报告签章',
    signingTime: input.generatedAt,
  });
}
