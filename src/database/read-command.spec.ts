import { mongo } from 'mongoose';
import { isRetryableRead } from './read-command';

const serverError = (code: number, errmsg = 'failed') =>
  new mongo.MongoServerError({ code, errmsg });

describe('isRetryableRead', () => {
  it('sends a read again after what a failover answers: a dropped connection, a primary stepping down', () => {
    expect(isRetryableRead(new mongo.MongoNetworkError('connection closed'))).toBe(true);
    expect(isRetryableRead(new mongo.MongoNetworkTimeoutError('timed out'))).toBe(true);
    for (const code of [91, 189, 10107, 11600, 11602, 13435, 13436])
      expect({ code, retried: isRetryableRead(serverError(code)) }).toEqual({
        code,
        retried: true,
      });
    // servers before 4.2 say it in words
    expect(isRetryableRead(serverError(0, 'not master and slaveOk=false'))).toBe(true);
    expect(isRetryableRead(serverError(0, 'node is recovering'))).toBe(true);
  });

  it('answers anything else at once: a refused command, no server to select, a bug', () => {
    // duplicate key, unauthorized, a bad query, an interrupted operation
    for (const code of [11000, 13, 2, 11601])
      expect({ code, retried: isRetryableRead(serverError(code)) }).toEqual({
        code,
        retried: false,
      });
    const noServer = new mongo.MongoServerSelectionError('no server', {} as never);
    expect(isRetryableRead(noServer)).toBe(false);
    expect(isRetryableRead(new Error('a bug'))).toBe(false);
    expect(isRetryableRead(undefined)).toBe(false);
  });
});
