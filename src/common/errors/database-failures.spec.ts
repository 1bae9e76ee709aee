import { mongo } from 'mongoose';
import { isFailoverError } from './database-failures';
import { toAppError } from './to-app-error';

const serverError = (code: number, errmsg = 'failed') =>
  new mongo.MongoServerError({ code, errmsg });

describe('isFailoverError', () => {
  it('knows what a failover answers: a dropped connection, a primary stepping down', () => {
    expect(isFailoverError(new mongo.MongoNetworkError('connection closed'))).toBe(true);
    expect(isFailoverError(new mongo.MongoNetworkTimeoutError('timed out'))).toBe(true);
    for (const code of [91, 189, 10107, 11600, 11602, 13435, 13436])
      expect({ code, failover: isFailoverError(serverError(code)) }).toEqual({
        code,
        failover: true,
      });
    // servers before 4.2 say it in words
    expect(isFailoverError(serverError(0, 'not master and slaveOk=false'))).toBe(true);
    expect(isFailoverError(serverError(0, 'node is recovering'))).toBe(true);
  });

  it('knows nothing else as one: a refused command, no server to select, a bug', () => {
    // duplicate key, unauthorized, a bad query, an interrupted operation
    for (const code of [11000, 13, 2, 11601])
      expect({ code, failover: isFailoverError(serverError(code)) }).toEqual({
        code,
        failover: false,
      });
    // a message that quotes a stored value is not a server saying it in words
    expect(isFailoverError(serverError(11000, 'E11000 dup key: { _id: "not primary" }'))).toBe(
      false,
    );
    // the primary applied the write; only its replication is in doubt
    const writeConcern = new mongo.MongoWriteConcernError({
      writeConcernError: { code: 91, errmsg: 'shutdown in progress' },
    } as never);
    expect(isFailoverError(writeConcern)).toBe(false);
    const noServer = new mongo.MongoServerSelectionError('no server', {} as never);
    expect(isFailoverError(noServer)).toBe(false);
    expect(isFailoverError(new Error('a bug'))).toBe(false);
    expect(isFailoverError(undefined)).toBe(false);
  });
});

describe('toAppError', () => {
  it('answers 503 for a failover that outlasted its retry, and for no database at all', () => {
    for (const error of [
      serverError(10107, 'not primary'),
      serverError(189, 'primary stepped down'),
      new mongo.MongoNetworkError('connection closed'),
      new mongo.MongoServerSelectionError('no server', {} as never),
    ])
      expect({ error: error.message, code: toAppError(error).code }).toEqual({
        error: error.message,
        code: 'SERVICE_UNAVAILABLE',
      });
  });

  it('answers 500 for a database error no retry mends', () => {
    for (const code of [11000, 2])
      expect(toAppError(serverError(code)).code).toBe('INTERNAL_ERROR');
  });
});
