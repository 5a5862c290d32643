/**
 * Device authorization grant (RFC 8628; SPEC "Device login"): show the code and URL, poll at the
 * server's interval, slow down on `slow_down`, stop on expiry or denial.
 */
import { PiximmoApi } from '../../api/client.js';
import { isApiError } from '../../api/errors.js';
import { userAgent } from '../context.js';
import { CliExit, EXIT } from '../exit-codes.js';
import { writeJsonLine } from '../render/json.js';
import { t } from '../i18n/index.js';

/** Returns the device token once the user approved; throws CliExit(3) on denial or expiry. */
export async function deviceLogin(apiUrl: string, opts: { json?: boolean; sleep?: (ms: number) => Promise<void> }): Promise<string> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const api = new PiximmoApi({ apiUrl, userAgent: userAgent() });
  try {
    const code = await api.deviceCode();
    if (opts.json) writeJsonLine({ event: 'device_code', user_code: code.user_code, verification_uri: code.verification_uri, expires_in: code.expires_in });
    process.stderr.write(`${t('login.open', { uri: code.verification_uri, code: code.user_code })}\n${t('login.waiting')}\n`);
    let intervalMs = Math.max(1, code.interval) * 1000;
    const deadline = Date.now() + code.expires_in * 1000;
    while (Date.now() < deadline) {
      await sleep(intervalMs);
      try {
        return (await api.deviceToken(code.device_code)).device_token;
      } catch (err) {
        if (!isApiError(err) || err.kind !== 'http') throw err;
        if (err.code === 'authorization_pending') continue;
        if (err.code === 'slow_down') {
          intervalMs += 5000; // RFC 8628 §3.5: add 5 seconds to the interval
          continue;
        }
        if (err.code === 'access_denied') throw new CliExit(EXIT.AUTH, t('login.denied'), 'ACCESS_DENIED');
        if (err.code === 'expired_token') break;
        throw err;
      }
    }
    throw new CliExit(EXIT.AUTH, t('login.expired'), 'EXPIRED_TOKEN');
  } finally {
    await api.close();
  }
}
