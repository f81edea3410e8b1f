// Times are shown in China Standard Time whatever the server's zone, as in the contracts.
export { chineseDateTime, chineseDeadline } from '../chinaTime.js';

export function chineseDate(isoDate: string | null | undefined): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(isoDate ?? '');
  return m ? `${m[1]}年${Number(m[2])}月${Number(m[3])}日` : (isoDate ?? '');
}

export const CONTRACT_STATUS_TEXT: Record<string, string> = {
  awaiting_signatures: '待签署',
  partially_signed: '签署中（已有一方签署）',
  completed: '已生效（各方均已签署）',
  declined: '已拒签',
  expired: '已过期',
  voided: '已作废',
};

export const SIGNER_STATUS_TEXT: Record<string, string> = {
  pending: '未轮到',
  notified: '待签署',
  viewed: '已查看，待签署',
  signed: '已签署',
  declined: '已拒签',
};

const SLA_TEXT: Record<string, { text: string; tone: 'ok' | 'warn' | 'bad' }> = {
  on_track: { text: '按期进行中', tone: 'ok' },
  at_risk: { text: '今日到期，请尽快办理', tone: 'warn' },
  overdue: { text: '已超过办理时限', tone: 'bad' },
  met: { text: '已在时限内办结', tone: 'ok' },
  missed: { text: '未在时限内办结', tone: 'bad' },
};

/** A contract voided or declined stopped for a reason other than time: its deadline is not "missed". */
export function slaText(status: string, sla: string): { text: string; tone: 'ok' | 'warn' | 'bad' | 'muted' } {
  if (status === 'voided' || status === 'declined') return { text: '办理已终止', tone: 'muted' };
  return SLA_TEXT[sla] ?? { text: sla, tone: 'warn' };
}

const METER_TYPE: Record<string, string> = { remote: '远传水表', mechanical: '机械水表', ic_card: 'IC 卡水表' };
export const meterTypeText = (t: unknown) => METER_TYPE[String(t)] ?? String(t ?? '');
