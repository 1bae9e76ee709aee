import { deviceOf } from './device';

describe(deviceOf.name, () => {
  it('summarises browser, major version and system', () => {
    expect(
      deviceOf(
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      ),
    ).toBe('Chrome 131 on macOS');
    expect(
      deviceOf('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0'),
    ).toBe('Firefox 133 on Windows');
  });

  it('answers null for no User-Agent or one it cannot read', () => {
    expect(deviceOf(null)).toBeNull();
    expect(deviceOf('')).toBeNull();
    expect(deviceOf('%%%')).toBeNull();
  });
});
