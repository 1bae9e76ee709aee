import Bowser from 'bowser';
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

  describe('remembering summaries', () => {
    const parse = jest.spyOn(Bowser, 'parse');
    afterAll(() => parse.mockRestore());
    beforeEach(() => parse.mockClear());

    it('parses a User-Agent once, however often it is listed', () => {
      const agent = 'Mozilla/5.0 (X11; Linux x86_64; rv:134.0) Gecko/20100101 Firefox/134.0';
      expect(deviceOf(agent)).toBe('Firefox 134 on Linux');
      expect(deviceOf(agent)).toBe('Firefox 134 on Linux');
      expect(parse).toHaveBeenCalledTimes(1);
    });

    it('keeps at most 1,000 summaries, forgetting the oldest first', () => {
      const agent = (n: number) => `Agent${n}/1.0 (Windows NT 10.0)`;
      for (let n = 0; n <= 1_000; n += 1) expect(deviceOf(agent(n))).toBe(`Agent${n} 1 on Windows`);
      parse.mockClear();
      expect(deviceOf(agent(1_000))).toBe('Agent1000 1 on Windows');
      expect(parse).not.toHaveBeenCalled();
      expect(deviceOf(agent(0))).toBe('Agent0 1 on Windows');
      expect(parse).toHaveBeenCalledTimes(1);
    });

    it('does not keep overlong User-Agents', () => {
      const agent = `Mozilla/5.0 (Windows NT 10.0) ${'x'.repeat(600)}`;
      deviceOf(agent);
      deviceOf(agent);
      expect(parse).toHaveBeenCalledTimes(2);
    });
  });
});
