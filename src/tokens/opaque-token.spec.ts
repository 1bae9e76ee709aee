import { Types } from 'mongoose';
import {
  hashOpaqueToken,
  matchesHash,
  newOpaqueToken,
  newSplitToken,
  selectorOf,
} from './opaque-token';

describe('opaque tokens', () => {
  it('are 256 random bits, base64url, stored only as their SHA-256', () => {
    const { token, hash } = newOpaqueToken();
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hash).toBe(hashOpaqueToken(token));
    expect(newOpaqueToken().token).not.toBe(token);
    expect(matchesHash(token, hash)).toBe(true);
    expect(matchesHash(newOpaqueToken().token, hash)).toBe(false);
    expect(matchesHash(token, 'not hex')).toBe(false);
  });

  it('carry their selector when split, and only tokens of that shape have one', () => {
    const id = new Types.ObjectId();
    const { token, hash } = newSplitToken(id);
    expect(token).toMatch(/^[A-Za-z0-9_-]{59}$/);
    expect(selectorOf(token)).toEqual(id);
    expect(hash).toBe(hashOpaqueToken(token));
    expect(selectorOf(newOpaqueToken().token)).toBeUndefined();
    expect(selectorOf('')).toBeUndefined();
    expect(selectorOf('not a token at all')).toBeUndefined();
  });
});
