import { isIPv4, isIPv6 } from 'node:net';
import { ipv6Groups, unmappedIp } from '../common/ip-address';

/**
 * What AUTH_IP_RATE_LIMIT counts one client as: an IPv4 address as is, an IPv6 address by its /64
 * (one subscriber's usual allocation, so cycling through it does not help), and an IPv4-mapped
 * IPv6 address (`::ffff:192.0.2.1`) as the IPv4 address it is.
 */
export function clientNetworkOf(ip: string): string {
  const address = unmappedIp(ip.split('%')[0]);
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return ip;
  return `${ipv6Groups(address)
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}
