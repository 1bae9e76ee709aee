import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { Role } from '../common/auth-user';
import { normalizeUsername } from '../common/validation/credential-rules';
import { objectIdOf } from '../common/validation/object-id';
import {
  countWhere,
  cursorOf,
  findOneById,
  findPage,
  isDuplicateKey,
  updateById,
} from '../database/driver';
import { AdminsLock } from './admins-lock';
import {
  isActiveAdmin,
  PublicUserRecord,
  UserChanges,
  UserDocument,
  UserRecord,
} from './user.schema';
import { EmailAddressesRepository } from './email-addresses.repository';
import { UsernameRecord } from './username.schema';
import { UsernamesRepository } from './usernames.repository';

const PUBLIC_FIELDS = {
  username: 1,
  role: 1,
  disabled: 1,
  email: 1,
  emailVerified: 1,
  mfaEnabled: 1,
  createdAt: 1,
  updatedAt: 1,
} as const;
/** Users per round trip when streaming the whole list. */
const STREAM_BATCH_SIZE = 500;
/** Username entries per insert when backfilling. */
const BACKFILL_BATCH_SIZE = 500;
/**
 * How old a usernames (or email_addresses) entry pointing at no user (or at a user without that
 * address) must be before another may take it over. Younger, it is most likely a sign-up or an
 * address change between its two writes, which must keep what it won.
 */
const ABANDONED_ENTRY_SECONDS = 60;
/** Looked up when a username has no entry, so that both paths read users by primary key. */
const NO_USER_ID = new Types.ObjectId('000000000000000000000000');
/** The smallest ObjectId: `{ $gte: SMALLEST_OBJECT_ID }` matches every ObjectId. */
const SMALLEST_OBJECT_ID = new Types.ObjectId('000000000000000000000000');

/**
 * The only code that touches the users collection. Returns plain objects.
 *
 * Users are looked up by username through the usernames collection (normalized name → user id),
 * because FerretDB on SQLite uses no index but `_id`: a `usernameNormalized` filter would scan
 * every user. The unique index on `usernameNormalized` stays, as the last word on who holds a name.
 */
@Injectable()
export class UsersRepository implements OnModuleInit {
  private readonly logger = new Logger(UsersRepository.name);

  constructor(
    @InjectModel(UserDocument.name) private readonly users: Model<UserDocument>,
    private readonly names: UsernamesRepository,
    private readonly addresses: EmailAddressesRepository,
    private readonly adminsLock: AdminsLock,
  ) {}

  /**
   * Gives every user a usernames entry: users from before the collection existed, or written by an
   * instance without it. Two counts when they agree; else one scan of users' names, inserting the
   * missing entries (existing ones stay, so instances starting together do no harm). Runs in
   * onModuleInit, which Nest completes in every module before any onApplicationBootstrap, where
   * AdminSeeder looks the admin up by name.
   */
  async onModuleInit(): Promise<void> {
    const [users, names] = await Promise.all([
      this.users.estimatedDocumentCount().exec(),
      this.names.count(),
    ]);
    if (users === names) return;
    let added = 0;
    let batch: UsernameRecord[] = [];
    const cursor = this.users
      .find({}, { usernameNormalized: 1 })
      .lean<Pick<UserRecord, '_id' | 'usernameNormalized'>>()
      .cursor({ batchSize: BACKFILL_BATCH_SIZE });
    for await (const user of cursor) {
      batch.push({ _id: user.usernameNormalized, userId: user._id });
      if (batch.length === BACKFILL_BATCH_SIZE) {
        added += await this.names.insertMissing(batch);
        batch = [];
      }
    }
    added += await this.names.insertMissing(batch);
    if (added > 0) this.logger.log(`Added ${added} missing username entries`);
  }

  /**
   * Claims the name in the usernames collection first (and the address, if any, in
   * email_addresses), then inserts the user under the id the entries point at. A crash between the
   * two leaves entries pointing at no user, which a later sign-up takes over (see
   * {@link claimName}, {@link claimEmail}).
   */
  async create(
    username: string,
    passwordHash: string,
    role: Role,
    email: string | null = null,
  ): Promise<PublicUserRecord> {
    const usernameNormalized = normalizeUsername(username);
    const id = new Types.ObjectId();
    await this.claimName(usernameNormalized, id);
    try {
      if (email !== null) await this.claimEmail(email, id);
      const created = await this.users.create({
        _id: id,
        username,
        usernameNormalized,
        passwordHash,
        role,
        email,
      });
      const {
        _id,
        role: storedRole,
        disabled,
        emailVerified,
        mfaEnabled,
        createdAt,
        updatedAt,
      } = created.toObject<UserRecord>();
      return {
        _id,
        username,
        role: storedRole,
        disabled,
        email,
        emailVerified,
        mfaEnabled,
        createdAt,
        updatedAt,
      };
    } catch (error) {
      await this.settleFailedCreate(usernameNormalized, id, email).catch((cleanupError: unknown) =>
        // the entries are left pointing at no user: a sign-up takes them over once abandoned
        this.logger.warn(`Could not settle the username entry: ${String(cleanupError)}`),
      );
      if (isDuplicateKey(error)) throw new AppError(ErrorCode.USERNAME_TAKEN);
      throw error;
    }
  }

  /**
   * Inserts the entry `email` → `userId`, or throws EMAIL_TAKEN, as {@link claimName} does for
   * names. An entry is taken over only when it is older than {@link ABANDONED_ENTRY_SECONDS} and
   * its user no longer has that address (a change or a sign-up that stopped between its writes).
   */
  private async claimEmail(email: string, userId: Types.ObjectId): Promise<void> {
    if (await this.addresses.claim(email, userId)) return;
    const entry = await this.addresses.find(email);
    if (entry !== null) {
      if (entry.userId.equals(userId)) return;
      const ageSeconds = (Date.now() - entry.claimedAt.getTime()) / 1000;
      if (ageSeconds < ABANDONED_ENTRY_SECONDS) throw new AppError(ErrorCode.EMAIL_TAKEN);
      const holder = await findOneById<Pick<UserRecord, 'email'>>(this.users, entry.userId, {
        email: 1,
      });
      if (holder?.email === email) throw new AppError(ErrorCode.EMAIL_TAKEN);
      await this.addresses.deleteIfPointsAt(email, entry.userId);
    }
    if (!(await this.addresses.claim(email, userId))) throw new AppError(ErrorCode.EMAIL_TAKEN);
  }

  /**
   * Inserts the entry `name` → `id`, or throws USERNAME_TAKEN. The insert on `_id` is the atomic
   * arbiter on every backend (FerretDB applies update and delete filters non-atomically, but an
   * `_id` insert either happens or is a duplicate). A taken name is taken over only when its entry
   * points at no user and is older than {@link ABANDONED_ENTRY_SECONDS}: a sign-up that crashed
   * between its two inserts. A younger one is a sign-up in flight, and must win; the id's own
   * timestamp says when it was drawn, just before its entry was inserted.
   */
  private async claimName(name: string, id: Types.ObjectId): Promise<void> {
    if (await this.names.insert(name, id)) return;
    const holder = await this.names.findUserId(name);
    if (holder !== null) {
      const ageSeconds = (Date.now() - holder.getTimestamp().getTime()) / 1000;
      if (ageSeconds < ABANDONED_ENTRY_SECONDS || (await this.users.exists({ _id: holder })))
        throw new AppError(ErrorCode.USERNAME_TAKEN);
      // only if it still points at the missing user; the retried insert then decides, as above
      await this.names.deleteIfPointsAt(name, holder);
    }
    if (!(await this.names.insert(name, id))) throw new AppError(ErrorCode.USERNAME_TAKEN);
  }

  /**
   * After a failed user insert, points the entry at whoever holds the name in users (the unique
   * index makes that user the owner), or removes our entry when nobody does. Someone holds it when
   * our entry was taken over while this sign-up stalled past the grace, or when an instance
   * without the usernames collection created that user: the lookup by name scans, but only here.
   */
  private async settleFailedCreate(
    name: string,
    id: Types.ObjectId,
    email: string | null,
  ): Promise<void> {
    if (email !== null) await this.addresses.deleteIfPointsAt(email, id);
    const holder = await this.users
      .findOne({ usernameNormalized: name }, { _id: 1 })
      .lean<Pick<UserRecord, '_id'>>()
      .exec();
    if (holder === null) await this.names.deleteIfPointsAt(name, id);
    else await this.names.set(name, holder._id);
  }

  findByUsername(username: string): Promise<UserRecord | null> {
    return this.findByName(normalizeUsername(username));
  }

  async existsByUsername(username: string): Promise<boolean> {
    return (await this.findByName(normalizeUsername(username), { usernameNormalized: 1 })) !== null;
  }

  /**
   * The same two primary-key reads whether the name exists or not (an unknown name reads a user id
   * nobody has), so neither the database's work nor the time taken tells whether it exists.
   */
  private async findByName(
    name: string,
    projection?: Record<string, 1>,
  ): Promise<UserRecord | null> {
    const userId = (await this.names.findUserId(name)) ?? NO_USER_ID;
    const user = await findOneById<UserRecord>(this.users, userId, projection);
    return user?.usernameNormalized === name ? user : null;
  }

  /**
   * The user holding `email`, read like {@link findByName}: the same two primary-key reads whether
   * the address is held or not.
   */
  async findByEmail(email: string): Promise<UserRecord | null> {
    const userId = (await this.addresses.find(email))?.userId ?? NO_USER_ID;
    const user = await findOneById<UserRecord>(this.users, userId);
    return user?.email === email ? user : null;
  }

  /**
   * Sets, changes or (null) removes the user's address, which is unverified from now on; returns
   * the user before and after, or null when there is no such user. EMAIL_TAKEN when another user
   * holds the address. The new entry is claimed before the user changes and the old one released
   * after, so an address is never held by nobody while its user still has it.
   */
  async setEmail(
    id: string,
    email: string | null,
  ): Promise<{ before: PublicUserRecord; after: PublicUserRecord } | null> {
    const before = await this.findById(id);
    if (before === null) return null;
    const previous = before.email ?? null;
    if (previous === email) return { before, after: before };
    if (email !== null) await this.claimEmail(email, before._id);
    await this.users
      .updateOne({ _id: before._id }, { $set: { email, emailVerified: false } })
      .exec();
    if (previous !== null) await this.addresses.deleteIfPointsAt(previous, before._id);
    const after = await this.findById(id);
    return after === null ? null : { before, after };
  }

  /** Marks `email` verified, if it is still the user's address; true when it is. */
  async markEmailVerified(id: Types.ObjectId, email: string): Promise<boolean> {
    const { matchedCount } = await this.users
      .updateOne({ _id: id, email }, { $set: { emailVerified: true } })
      .exec();
    return matchedCount === 1;
  }

  /** True when the user exists. */
  async setMfaEnabled(id: string, enabled: boolean): Promise<boolean> {
    const userId = objectIdOf(id);
    if (userId === undefined) return false;
    return updateById(this.users, userId, { $set: { mfaEnabled: enabled, updatedAt: new Date() } });
  }

  findById(id: string): Promise<PublicUserRecord | null> {
    const userId = objectIdOf(id);
    return userId === undefined
      ? Promise.resolve(null)
      : findOneById(this.users, userId, PUBLIC_FIELDS);
  }

  async findPasswordHash(id: string): Promise<string | undefined> {
    const userId = objectIdOf(id);
    if (userId === undefined) return undefined;
    const user = await findOneById<Pick<UserRecord, 'passwordHash'>>(this.users, userId, {
      passwordHash: 1,
    });
    return user?.passwordHash;
  }

  /** `limit` users in creation order (ObjectIds grow with time), optionally after an id. */
  list(limit: number, after: string | undefined): Promise<PublicUserRecord[]> {
    return findPage(this.users, {
      filter: this.afterFilter(after),
      projection: PUBLIC_FIELDS,
      sort: { _id: 1 },
      limit,
    });
  }

  /**
   * Every user in creation order (optionally after an id), read from a cursor in batches of
   * {@link STREAM_BATCH_SIZE}, so the caller's memory does not grow with the number of users. The
   * cursor is closed as soon as the consumer stops (a client left).
   */
  async *streamAll(after?: string): AsyncGenerator<PublicUserRecord> {
    const cursor = cursorOf<PublicUserRecord>(
      this.users,
      this.afterFilter(after),
      { _id: 1 },
      {
        projection: PUBLIC_FIELDS,
        batchSize: STREAM_BATCH_SIZE,
      },
    );
    try {
      for await (const user of cursor) yield user;
    } finally {
      await cursor.close();
    }
  }

  /**
   * Always a range on `_id`, also for the first page: users' ids are all ObjectIds, and a range on
   * ObjectIds is what lets the embedded FerretDB read the page in order from the `_id` index
   * (tools/ferretdb/README.md); without one it sorts every user. MongoDB reads it from the
   * index either way.
   */
  private afterFilter(after: string | undefined) {
    return after === undefined
      ? { _id: { $gte: SMALLEST_OBJECT_ID } }
      : { _id: { $gt: new Types.ObjectId(after) } };
  }

  /** Stores the new hash and moves the credential version on (FerretDB may lose one of two concurrent increments; either way it moved). */
  async updatePasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.users
      .updateOne({ _id: id }, { $set: { passwordHash }, $inc: { credentialVersion: 1 } })
      .exec();
  }

  /** The user without secrets, with its credential version (0 when never changed); null when missing. */
  async findWithCredentialVersion(
    id: Types.ObjectId,
  ): Promise<(PublicUserRecord & { credentialVersion: number }) | null> {
    const user = await findOneById<PublicUserRecord & Pick<UserRecord, 'credentialVersion'>>(
      this.users,
      id,
      { ...PUBLIC_FIELDS, credentialVersion: 1 },
    );
    return user === null ? null : { ...user, credentialVersion: user.credentialVersion ?? 0 };
  }

  async findCredentialVersion(id: Types.ObjectId): Promise<number | undefined> {
    const user = await findOneById<Pick<UserRecord, 'credentialVersion'>>(this.users, id, {
      credentialVersion: 1,
    });
    return user === null ? undefined : (user.credentialVersion ?? 0);
  }

  /**
   * Applies an admin's changes and returns the user before and after; null when there is no such
   * user. Throws LAST_ADMIN rather than leave no active admin. Every such change runs under
   * {@link AdminsLock}: the check (a count) and the write are not atomic on any backend, so two
   * admins demoting each other at once must be decided one after the other.
   */
  update(
    id: string,
    changes: UserChanges,
  ): Promise<{ before: PublicUserRecord; after: PublicUserRecord } | null> {
    return this.adminsLock.run(async () => {
      const before = await this.findById(id);
      if (before === null) return null;
      await this.assertKeepsAnActiveAdmin(before, { ...before, ...changes });
      // updateOne, then a read: FerretDB's findAndModify takes no projection
      await this.users.updateOne({ _id: before._id }, { $set: changes }).exec();
      const after = await this.findById(id);
      return after === null ? null : { before, after };
    });
  }

  /**
   * Deletes the user and frees its name and address (their entries go, so they can be taken
   * again); returns the deleted user, or null when there is none. Throws LAST_ADMIN like
   * {@link update}.
   */
  delete(id: string): Promise<PublicUserRecord | null> {
    return this.adminsLock.run(async () => {
      const userId = objectIdOf(id);
      if (userId === undefined) return null;
      const user = await findOneById<Omit<UserRecord, 'passwordHash'>>(this.users, userId, {
        ...PUBLIC_FIELDS,
        usernameNormalized: 1,
      });
      if (user === null) return null;
      await this.assertKeepsAnActiveAdmin(user, { role: Role.USER, disabled: true });
      await this.users.deleteOne({ _id: user._id }).exec();
      await this.names.deleteIfPointsAt(user.usernameNormalized, user._id);
      if (typeof user.email === 'string')
        await this.addresses.deleteIfPointsAt(user.email, user._id);
      return user;
    });
  }

  /** Call under the lock only. The count scans users on FerretDB: admin actions are rare. */
  private async assertKeepsAnActiveAdmin(
    before: Pick<UserRecord, 'role' | 'disabled'>,
    after: Pick<UserRecord, 'role' | 'disabled'>,
  ): Promise<void> {
    if (!isActiveAdmin(before) || isActiveAdmin(after)) return;
    const activeAdmins = await countWhere(this.users, {
      role: Role.ADMIN,
      disabled: { $ne: true },
    });
    if (activeAdmins <= 1) throw new AppError(ErrorCode.LAST_ADMIN);
  }
}
