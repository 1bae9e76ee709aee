import { Types } from 'mongoose';
import { expiredBefore, expiringId, expiryOf } from './expiring-id';

describe(expiringId.name, () => {
  const at = new Date('2027-03-01T12:00:00.250Z');

  it('carries the expiry, to the second rounded up, in the sort-leading bytes', () => {
    expect(expiryOf(expiringId(at)).toISOString()).toBe('2027-03-01T12:00:01.000Z');
    const ids = [5, 1, 3].map((minutes) => expiringId(new Date(at.getTime() + minutes * 60_000)));
    const sorted = [...ids].sort((a, b) => a.toHexString().localeCompare(b.toHexString()));
    expect(sorted.map((id) => expiryOf(id).getUTCMinutes())).toEqual([1, 3, 5]);
  });

  it('is random without a key and the same for the same key and expiry', () => {
    expect(expiringId(at).equals(expiringId(at))).toBe(false);
    expect(expiringId(at, 'slot|7').equals(expiringId(at, 'slot|7'))).toBe(true);
    expect(expiringId(at, 'slot|7').equals(expiringId(at, 'slot|8'))).toBe(false);
  });

  it('falls in the expired range only once its expiry has passed', () => {
    const id = expiringId(at);
    const isExpired = (now: Date) => id.toHexString() < expiredBefore(now).$lt.toHexString();
    expect(isExpired(new Date(at.getTime() - 1_000))).toBe(false);
    expect(isExpired(at)).toBe(false);
    expect(isExpired(new Date(at.getTime() + 2_000))).toBe(true);
    expect(expiredBefore(at).$lt).toBeInstanceOf(Types.ObjectId);
  });
});
