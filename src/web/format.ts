// Times are shown in China Standard Time whatever the server's zone, as in the contracts.
const CST_OFFSET_MS = 8 * 3600_000;

const pad = (n: number) => String(n).padStart(2, '0');

export function chineseDateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(new Date(iso).getTime() + CST_OFFSET_MS);
  return `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月${d.getUTCDate()}日 ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** A deadline falls at midnight: say "12月1日 24:00" (the last working day), not "12月2日 00:00". */
export function chineseDeadline(iso: string): string {
  const d = new Date(new Date(iso).getTime() + CST_OFFSET_MS);
  if (d.getUTCHours() !== 0 || d.getUTCMinutes() !== 0) return chineseDateTime(iso);
  const day = new Date(d.getTime() - 86_400_000);
  return `${day.getUTCFullYear()}年${day.getUTCMonth() + 1}月${day.getUTCDate()}日 24:00`;
}

export function chineseDate(isoDate: string | null | undefined): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(isoDate ?? '');
  return m ? `${m[1]}年${Number(m[2])}月${Number(m[3])}日` : (isoDate ?? '');
}

export const CONTRACT_STATUS_TEXT: Record<string, string> = {
  awaiting_signatures: '等待签署',
  partially_signed: '部分签署',
  completed: '已生效（各方均已签署）',
  declined: '已拒签',
  expired: '已过期',
  voided: '已作废',
};

export const SIGNER_STATUS_TEXT: Record<string, string> = {
  pending: '未开始',
  notified: '已通知',
  viewed: '已查看',
  signed: '已签署',
  declined: '已拒签',
};

export const SLA_TEXT: Record<string, { text: string; tone: 'ok' | 'warn' | 'bad' }> = {
  on_track: { text: '按期进行中', tone: 'ok' },
  at_risk: { text: '今日到期，请尽快办理', tone: 'warn' },
  overdue: { text: '已超过办理时限', tone: 'bad' },
  met: { text: '已在时限内办结', tone: 'ok' },
  missed: { text: '未在时限内办结', tone: 'bad' },
};

const METER_TYPE: Record<string, string> = { remote: '远传水表', mechanical: '机械水表', ic_card: 'IC 卡水表' };
export const meterTypeText = (t: unknown) => METER_TYPE[String(t)] ?? String(t ?? '');
