import { generateKeyPairSync } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { unitTestJwtKeys } from '../tokens/token.fixture';
import { DeviceCookies } from './device-cookies';

const devicesWith = (keys: AppConfig['jwt']['keys']) =>
  new DeviceCookies({ jwt: { keys } } as unknown as AppConfig);

describe(DeviceCookies.name, () => {
  const devices = devicesWith(unitTestJwtKeys);

  it('names the username without revealing it, and keeps the device across sign-ins', () => {
    const cookie = devices.issue('Ada.Lovelace');
    expect(cookie).not.toMatch(/ada/i);
    const deviceId = devices.deviceOf(cookie, 'ada.lovelace');
    expect(deviceId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(devices.deviceOf(devices.issue('ada.lovelace', deviceId), 'ADA.lovelace')).toBe(
      deviceId,
    );
    expect(devices.issue('ada.lovelace')).not.toBe(cookie);
  });

  it('treats a cookie of another username, a tampered one or another deployment’s as unknown', () => {
    const cookie = devices.issue('ada');
    expect(devices.deviceOf(cookie, 'grace')).toBeUndefined();
    const [deviceId, userTag, mac] = cookie.split('.');
    expect(devices.deviceOf(`x${deviceId}.${userTag}.${mac}`, 'ada')).toBeUndefined();
    expect(devices.deviceOf(`${deviceId}.${userTag}.${mac.slice(1)}`, 'ada')).toBeUndefined();
    expect(devices.deviceOf(`${cookie}.extra`, 'ada')).toBeUndefined();
    for (const garbage of [undefined, '', '...', 'a.b', 'not a cookie'])
      expect(devices.deviceOf(garbage, 'ada')).toBeUndefined();
    const elsewhere = devicesWith({
      ...unitTestJwtKeys,
      algorithm: 'ES256',
      signingKey: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey,
    });
    expect(elsewhere.deviceOf(cookie, 'ada')).toBeUndefined();
    expect(elsewhere.deviceOf(elsewhere.issue('ada'), 'ada')).toBeDefined();
  });
});
