import type { ProgressStep, SigningProgress } from '../../ceremony/signingProgress.js';

type Party = Pick<SigningProgress['parties'][number], 'role' | 'label' | 'status' | 'you'>;

export interface Situation {
  status: string;
  next: SigningProgress['next'];
  parties: Party[];
  utility: { name: string; phone: string };
  voidReason?: string | null;
}

export interface StatusNotice {
  tone: 'ok' | 'warn' | 'bad' | 'info';
  title: string;
  text: string;
}

const call = (u: Situation['utility']) => `${u.name}客服电话 ${u.phone}`;

/** Who still has to sign after the party whose turn it is. */
const after = (s: Situation) => s.parties.filter((p) => p.status !== 'signed' && p.status !== 'declined' && p.role !== s.next?.role);

/** What happens after this signer's part, as the applicant would say it, naming the utility. */
export function nextStepText(s: Situation): string {
  const u = s.utility;
  if (s.status === 'completed') return '各方均已签署，合同已生效。';
  if (s.status === 'declined') {
    const by = s.parties.find((p) => p.status === 'declined');
    return by?.you ? `您已拒绝签署，合同不会生效。如需重新办理，请联系${call(u)}。` : `${by?.label ?? '一方'}已拒绝签署，合同不会生效。如有疑问，请联系${call(u)}。`;
  }
  if (s.status === 'expired') return `合同未在办理时限内签署完成，已失效。如仍需办理，请联系${call(u)}重新发起。`;
  if (s.status === 'voided') return `${u.name}已作废本合同${s.voidReason ? `（原因：${s.voidReason}）` : ''}。如有疑问，请联系${call(u)}。`;
  if (!s.next) return '等待处理。';
  const rest = after(s);
  const nameOf = (p: Party) => (p.role === 'utility' ? u.name : p.label);
  const then = rest.length === 0 ? '合同生效' : rest.some((p) => p.you) ? '请您签署' : `由${rest.map(nameOf).join('、')}签署`;
  if (s.next.you) return `请您阅读合同后签署，签署后${then}。`;
  if (s.next.role === 'utility') return `等待${u.name}盖章，盖章后${then}。`;
  return `等待${s.next.label}签署，签署后${then}。`;
}

/** The one line at the top of a signing or progress page: where things stand for this person. */
export function statusNotice(s: Situation, you: { status: string }): StatusNotice {
  const open = s.status === 'awaiting_signatures' || s.status === 'partially_signed';
  if (s.status === 'completed') return { tone: 'ok', title: '合同已生效', text: nextStepText(s) };
  if (!open) {
    const title = { declined: '合同已拒签', expired: '合同已过期', voided: '合同已作废' }[s.status] ?? '合同已终止';
    return { tone: 'bad', title, text: nextStepText(s) };
  }
  if (you.status === 'signed') return { tone: 'ok', title: '您已签署', text: nextStepText(s) };
  if (s.next?.you) return { tone: 'info', title: '请您签署', text: '请阅读下方合同全文，获取短信验证码后签署。' };
  return { tone: 'warn', title: '还未轮到您签署', text: `${nextStepText(s)}轮到您时会以短信通知。` };
}

export function stepText(s: ProgressStep, utility: string): string {
  const who = s.you ? '您' : (s.label ?? '');
  switch (s.type) {
    case 'created': return '合同已生成';
    case 'notified': return s.role === 'utility' ? `已通知${utility}盖章` : `已通知${who}签署`;
    case 'viewed': return `${who}已查看合同`;
    case 'code_sent': return '验证码已发送至您的手机';
    case 'signed': return s.role === 'utility' ? `${utility}已盖章签署` : `${who}已签署`;
    case 'declined': return `${who}已拒绝签署`;
    case 'completed': return '各方签署完成，合同已生效';
    case 'contract_declined': return '合同因拒签而终止';
    case 'expired': return '合同超过办理时限，已过期';
    case 'voided': return `${utility}已作废合同`;
  }
}
