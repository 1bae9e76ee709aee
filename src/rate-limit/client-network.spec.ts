import { clientNetworkOf } from './client-network';

describe(clientNetworkOf.name, () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:cb00:7107', '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['2001:db8::', '2001:db8:0:0::/64'],
    ['unknown', 'unknown'],
  ])('counts %s as %s', (ip, network) => {
    expect(clientNetworkOf(ip)).toBe(network);
  });

  it('puts every address of one /64 together and neighbouring /64s apart', () => {
    expect(clientNetworkOf('2001:db8:a:b::1')).toBe(clientNetworkOf('2001:db8:a:b:ffff::2'));
    expect(clientNetworkOf('2001:db8:a:b::1')).not.toBe(clientNetworkOf('2001:db8:a:c::1'));
  });
});
