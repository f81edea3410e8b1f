import type { ProgressStep } from '../../ceremony/signingProgress.js';

/** What happens after this signer's part, as the applicant would say it. */
export function nextStepText(status: string, next: { role: string; label: string; you: boolean } | null): string {
  if (status === 'completed') return '各方均已签署，合同已生效。';
  if (status === 'declined') return '合同已被拒签，不再生效。';
  if (status === 'expired') return '合同已超过办理时限，请联系供水企业。';
  if (status === 'voided') return '合同已作废。';
  if (!next) return '等待处理。';
  if (next.you) return '请您完成签署。';
  if (next.role === 'utility') return '等待供水企业盖章，盖章后合同生效。';
  return `等待${next.label}签署。`;
}

export function stepText(s: ProgressStep): string {
  const who = s.you ? '您' : (s.label ?? '');
  switch (s.type) {
    case 'created': return '合同已生成';
    case 'notified': return s.role === 'utility' ? '已通知供水企业盖章' : `已通知${who}签署`;
    case 'viewed': return `${who}已查看合同`;
    case 'code_sent': return '验证码已发送至您的手机';
    case 'signed': return s.role === 'utility' ? '供水企业已盖章签署' : `${who}已签署`;
    case 'declined': return `${who}已拒绝签署`;
    case 'completed': return '各方签署完成，合同已生效';
    case 'contract_declined': return '合同因拒签而终止';
    case 'expired': return '合同超过办理时限，已过期';
    case 'voided': return '合同已作废';
  }
}
