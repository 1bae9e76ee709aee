import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted, Types } from 'mongoose';
import { AppError, ErrorCode } from '../common/app-error';
import { Role } from '../common/auth-user';
import { normalizeUsername } from '../common/credential-rules';
import { PublicUserRecord, UserDocument, UserRecord } from './user.schema';

const PUBLIC_FIELDS = { username: 1, role: 1, createdAt: 1, updatedAt: 1 } as const;
const DUPLICATE_KEY = 11000;
/** Users per round trip when streaming the whole list. */
const STREAM_BATCH_SIZE = 500;

/** The only code that touches the users collection. Returns plain objects. */
@Injectable()
export class UsersRepository {
  constructor(@InjectModel(UserDocument.name) private readonly users: Model<UserDocument>) {}

  async create(username: string, passwordHash: string, role: Role): Promise<PublicUserRecord> {
    try {
      const created = await this.users.create({
        username,
        usernameNormalized: normalizeUsername(username),
        passwordHash,
        role,
      });
      const { _id, role: storedRole, createdAt, updatedAt } = created.toObject<UserRecord>();
      return { _id, username, role: storedRole, createdAt, updatedAt };
    } catch (error) {
      if ((error as { code?: number }).code === DUPLICATE_KEY)
        throw new AppError(ErrorCode.USERNAME_TAKEN);
      throw error;
    }
  }

  findByUsername(username: string): Promise<UserRecord | null> {
    return this.users
      .findOne({ usernameNormalized: normalizeUsername(username) })
      .lean<UserRecord>()
      .exec();
  }

  async existsByUsername(username: string): Promise<boolean> {
    return (
      (await this.users.exists({ usernameNormalized: normalizeUsername(username) }).exec()) !== null
    );
  }

  findById(id: string): Promise<PublicUserRecord | null> {
    return this.users.findById(id, PUBLIC_FIELDS).lean<PublicUserRecord>().exec();
  }

  findPasswordHash(id: string): Promise<string | undefined> {
    return this.users
      .findById(id, { passwordHash: 1 })
      .lean<Pick<UserRecord, 'passwordHash'>>()
      .exec()
      .then((user) => user?.passwordHash);
  }

  findByIds(ids: readonly string[]): Promise<PublicUserRecord[]> {
    return this.users
      .find({ _id: trusted({ $in: ids.map((id) => new Types.ObjectId(id)) }) }, PUBLIC_FIELDS)
      .lean<PublicUserRecord[]>()
      .exec();
  }

  /** Users in creation order (ObjectIds grow with time), optionally after an id. */
  list(limit: number | undefined, after: string | undefined): Promise<PublicUserRecord[]> {
    const query = this.users.find(this.afterFilter(after), PUBLIC_FIELDS).sort({ _id: 1 });
    if (limit !== undefined) query.limit(limit);
    return query.lean<PublicUserRecord[]>().exec();
  }

  /**
   * Every user in creation order (optionally after an id), read from a cursor in batches of
   * {@link STREAM_BATCH_SIZE}, so the caller's memory does not grow with the number of users.
   */
  streamAll(after?: string): AsyncIterable<PublicUserRecord> {
    return this.users
      .find(this.afterFilter(after), PUBLIC_FIELDS)
      .sort({ _id: 1 })
      .lean<PublicUserRecord>()
      .cursor({ batchSize: STREAM_BATCH_SIZE });
  }

  private afterFilter(after: string | undefined) {
    return after === undefined ? {} : { _id: trusted({ $gt: new Types.ObjectId(after) }) };
  }

  async updatePasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.users.updateOne({ _id: id }, { $set: { passwordHash } }).exec();
  }

  async setRole(id: Types.ObjectId, role: Role): Promise<void> {
    await this.users.updateOne({ _id: id }, { $set: { role } }).exec();
  }
}
