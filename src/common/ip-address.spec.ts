import { unmappedIp } from './ip-address';

describe(unmappedIp.name, () => {
  it('gives an IPv4-mapped IPv6 address as the IPv4 address it is', () => {
    expect(unmappedIp('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(unmappedIp('::FFFF:203.0.113.7')).toBe('203.0.113.7');
    expect(unmappedIp('::ffff:cb00:7107')).toBe('203.0.113.7');
    expect(unmappedIp('0:0:0:0:0:ffff:c000:0201')).toBe('192.0.2.1');
  });

  it('leaves every other address as it is', () => {
    for (const ip of [
      '127.0.0.1',
      '::1',
      '2001:db8::1',
      '::ffff:1:1.2.3.4',
      '64:ff9b::1.2.3.4',
      'unknown',
    ])
      expect(unmappedIp(ip)).toBe(ip);
  });
});
