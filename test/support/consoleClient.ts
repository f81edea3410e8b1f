import { generate } from 'otplib';
import type { TestService } from './harness.js';

/** A cookie jar and form poster for the console, as a browser without script would use it. */
export class ConsoleClient {
  readonly cookies = new Map<string, string>();

  constructor(private readonly svc: TestService) {}

  private keep(res: Response) {
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const [name, ...value] = pair.split('=');
      const expired = attrs.some((a) => /expires=thu, 01 jan 1970/i.test(a.trim()));
      if (expired || value.join('=') === '') this.cookies.delete(name);
      else this.cookies.set(name, value.join('='));
    }
  }

  get cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async get(path: string): Promise<{ res: Response; text: string }> {
    const res = await fetch(`${this.svc.url}${path}`, { headers: { cookie: this.cookieHeader }, redirect: 'manual' });
    this.keep(res);
    return { res, text: await res.text() };
  }

  async post(path: string, form: Record<string, string | string[]>, headers: Record<string, string> = {}): Promise<{ res: Response; text: string }> {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(form)) for (const x of ([] as string[]).concat(v)) body.append(k, x);
    const res = await fetch(`${this.svc.url}${path}`, {
      method: 'POST',
      headers: { cookie: this.cookieHeader, 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body,
      redirect: 'manual',
    });
    this.keep(res);
    return { res, text: await res.text() };
  }

  /** The hidden form token of a page (the CSRF token, or the sign-in page's nonce). */
  static field(page: string, name: '_csrf' | '_login'): string {
    const m = new RegExp(`name="${name}" value="([^"]+)"`).exec(page);
    if (!m) throw new Error(`no ${name} field in the page`);
    return m[1];
  }

  async login(username: string, password: string, code?: string): Promise<Response> {
    const { text } = await this.get('/console/login');
    return (await this.post('/console/login', { _login: ConsoleClient.field(text, '_login'), username, password, ...(code ? { code } : {}) })).res;
  }

  /** Sets the account up through its link: the password, and the authenticator's code when the page asks for one. Returns the TOTP secret. */
  async setup(setupUrl: string, password: string, at: () => Date): Promise<string | undefined> {
    const path = new URL(setupUrl).pathname;
    const { text } = await this.get(path);
    const secret = /id="totp-secret">([A-Z2-7]+)</.exec(text)?.[1];
    const form: Record<string, string> = { _login: ConsoleClient.field(text, '_login'), password, confirm: password };
    if (secret) form.code = await totpAt(secret, at());
    const done = await this.post(path, form);
    if (done.res.status !== 303) throw new Error(`set-up failed: ${done.res.status} ${done.text.slice(0, 500)}`);
    return secret;
  }
}

/** The authenticator's code at a moment (the service's clock, which the tests move). */
export const totpAt = (secret: string, at: Date) => generate({ secret, epoch: Math.floor(at.getTime() / 1000) });
