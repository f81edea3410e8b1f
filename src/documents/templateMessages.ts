import { interpolate } from './composeDocument.js';

export const SMS_KINDS = ['code', 'signing_link', 'reminder', 'completed', 'correction_received'] as const;
export type SmsKind = (typeof SMS_KINDS)[number];

/**
 * The texts when a template version has no messages.json of its own. A link is never the last thing
 * before punctuation: SMS apps would glue the punctuation onto it.
 */
export const DEFAULT_MESSAGES: Record<SmsKind, string> = {
  code: '【{{utility.name}}】验证码 {{code}}，用于{{contract.title}}（{{contract.number}}），5 分钟内有效。请勿将验证码告诉他人。',
  signing_link: '【{{utility.name}}】您的{{contract.title}}（{{contract.number}}）已生成，请于 {{deadline}} 前阅读并签署：{{url}} 客服电话 {{utility.phone}}',
  reminder: '【{{utility.name}}】您的{{contract.title}}（{{contract.number}}）今日到办理时限，请尽快签署：{{url}} 客服电话 {{utility.phone}}',
  completed: '【{{utility.name}}】您的{{contract.title}}（{{contract.number}}）已由各方签署并生效，查看和下载：{{url}} 客服电话 {{utility.phone}}',
  correction_received: '【{{utility.name}}】已收到您对{{contract.title}}（{{contract.number}}）的修改申请，我们会尽快核实并联系您。客服电话 {{utility.phone}}',
};

export interface MessageContext {
  utility: { name: string; phone: string };
  contract: { title: string; number: string };
  url?: string;
  code?: string;
  /** The deadline as the applicant reads it, e.g. 2026年12月4日 24:00. */
  deadline?: string;
}

/** Checks a template's messages.json at start-up: known kinds only, text non-empty. */
export function parseMessages(json: unknown, where: string): Partial<Record<SmsKind, string>> {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error(`${where}: messages.json must be an object of kind → text`);
  for (const [kind, text] of Object.entries(json)) {
    if (!(SMS_KINDS as readonly string[]).includes(kind)) throw new Error(`${where}: messages.json has an unknown kind "${kind}" (known: ${SMS_KINDS.join(', ')})`);
    if (typeof text !== 'string' || text.trim() === '') throw new Error(`${where}: messages.json "${kind}" must be a non-empty text`);
  }
  return json as Partial<Record<SmsKind, string>>;
}

export function messageText(kind: SmsKind, own: Partial<Record<SmsKind, string>> | undefined, context: MessageContext): string {
  return interpolate(own?.[kind] ?? DEFAULT_MESSAGES[kind], context);
}
