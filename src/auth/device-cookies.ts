import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { normalizeUsername } from '../common/validation/credential-rules';
import { APP_CONFIG, AppConfig } from '../config/app-config';

const DEVICE_ID_BYTES = 16;
const USER_TAG_BYTES = 16;

/**
 * Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"): after a
 * successful sign-in the browser holds a value the service signed, naming the username (by a keyed
 * digest, so the cookie does not reveal it) and a random device id. A sign-in that presents a
 * valid cookie for the username it names is judged by that device's own failures, not by the
 * username-wide throttle that strangers can fill.
 *
 * `<device id>.<user tag>.<mac>`, base64url; the key is derived from the token signing key, so a
 * cookie of another deployment (or from before a key rotation) is just an unknown device.
 */
@Injectable()
export class DeviceCookies {
  private readonly key: Buffer;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const { signingKey } = config.jwt.keys;
    const material =
      signingKey.type === 'secret'
        ? signingKey.export()
        : signingKey.export({ format: 'der', type: 'pkcs8' });
    this.key = Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), 'device-cookie', 32));
  }

  /** The device id of a valid cookie for `username`; undefined for anything else. */
  deviceOf(cookie: string | undefined, username: string): string | undefined {
    const [deviceId, userTag, mac, ...rest] = (cookie ?? '').split('.');
    if (rest.length > 0 || deviceId === undefined || userTag === undefined || mac === undefined)
      return undefined;
    const expectedMac = this.mac(deviceId, userTag);
    const presentedMac = Buffer.from(mac, 'base64url');
    const valid =
      presentedMac.length === expectedMac.length &&
      timingSafeEqual(presentedMac, expectedMac) &&
      userTag === this.userTag(username);
    return valid ? deviceId : undefined;
  }

  /** The cookie a successful sign-in of `username` sets: the same device when it had one. */
  issue(username: string, deviceId = randomBytes(DEVICE_ID_BYTES).toString('base64url')): string {
    const userTag = this.userTag(username);
    return `${deviceId}.${userTag}.${this.mac(deviceId, userTag).toString('base64url')}`;
  }

  private userTag(username: string): string {
    return createHmac('sha256', this.key)
      .update(`user:${normalizeUsername(username)}`)
      .digest()
      .subarray(0, USER_TAG_BYTES)
      .toString('base64url');
  }

  private mac(deviceId: string, userTag: string): Buffer {
    return createHmac('sha256', this.key).update(`device:${deviceId}.${userTag}`).digest();
  }
}
