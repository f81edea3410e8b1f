import { describe, expect, it } from 'vitest';
import { chineseDeadline } from '../src/web/format.js';

describe('deadline wording on the pages', () => {
  it('names the last working day itself, at 24:00 China time', () => {
    // 2026-12-02 00:00 in China is the end of 1 December.
    expect(chineseDeadline('2026-12-01T16:00:00.000Z')).toBe('2026年12月1日 24:00');
    expect(chineseDeadline('2026-12-01T07:30:00.000Z')).toBe('2026年12月1日 15:30');
  });
});

import { nextStepText, statusNotice } from '../src/web/pages/steps.js';
import { slaText } from '../src/web/format.js';

const utility = { name: '三亚中法供水有限公司', phone: '0898-88271234' };
const party = (role: string, label: string, status: string, you = false) => ({ role, label, status, you });

describe('what the pages say comes next', () => {
  it('a reliability agreement the utility seals first does not take effect at the seal: the customer signs after it', () => {
    const s = { status: 'awaiting_signatures', next: { role: 'utility', label: '供水人', you: false }, parties: [party('utility', '供水人', 'notified'), party('customer', '用户', 'pending', true)], utility };
    expect(nextStepText(s)).toBe('等待三亚中法供水有限公司盖章，盖章后请您签署。');
    expect(statusNotice(s, { status: 'pending' })).toMatchObject({ tone: 'warn', title: '还未轮到您签署' });
  });

  it('a supply contract takes effect at the utility seal once the applicant signed', () => {
    const s = { status: 'partially_signed', next: { role: 'utility', label: '供水人', you: false }, parties: [party('applicant', '用水人', 'signed', true), party('utility', '供水人', 'notified')], utility };
    expect(nextStepText(s)).toBe('等待三亚中法供水有限公司盖章，盖章后合同生效。');
    expect(statusNotice(s, { status: 'signed' })).toMatchObject({ tone: 'ok', title: '您已签署' });
  });

  it('a closed contract says why and whom to call', () => {
    const base = { next: null, parties: [party('applicant', '用水人', 'pending', true), party('utility', '供水人', 'pending')], utility };
    expect(nextStepText({ ...base, status: 'voided', voidReason: '用水地址填写错误' })).toBe('三亚中法供水有限公司已作废本合同（原因：用水地址填写错误）。如有疑问，请联系三亚中法供水有限公司客服电话 0898-88271234。');
    expect(nextStepText({ ...base, status: 'expired' })).toContain('重新发起');
    expect(nextStepText({ ...base, status: 'declined', parties: [party('applicant', '用水人', 'declined', true)] })).toContain('您已拒绝签署');
    expect(statusNotice({ ...base, status: 'expired' }, { status: 'pending' })).toMatchObject({ tone: 'bad', title: '合同已过期' });
  });

  it('a contract voided or declined on its first day is "stopped", not "missed the deadline"', () => {
    expect(slaText('voided', 'missed')).toEqual({ text: '办理已终止', tone: 'muted' });
    expect(slaText('declined', 'missed').text).toBe('办理已终止');
    expect(slaText('expired', 'missed').text).toBe('未在时限内办结');
  });
});
