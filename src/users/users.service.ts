import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { Role } from '../common/auth-user';
import type { Viewer } from '../common/policies';
import { PasswordHasher } from './password-hasher.service';
import { User } from './user.model';
import { PublicUserRecord, UserChanges, UserRecord } from './user.schema';
import { UsersRepository } from './users.repository';

/**
 * Users and their credentials: the one place that hashes and checks passwords, so that other
 * modules ask "is this the password?" and "set this password", never handle a hash.
 */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly passwords: PasswordHasher,
  ) {}

  /** The user as `viewer` may see it (see User.from). */
  async getById(id: string, viewer: Viewer): Promise<User> {
    return User.from(await this.getRecord(id), viewer);
  }

  async list(limit: number, after: string | undefined, viewer: Viewer): Promise<User[]> {
    return (await this.users.list(limit, after)).map((record) => User.from(record, viewer));
  }

  /** Every user in creation order (after `after`), one at a time: for unpaged lists of any size. */
  async *streamAll(after: string | undefined, viewer: Viewer): AsyncGenerator<User> {
    for await (const record of this.users.streamAll(after)) yield User.from(record, viewer);
  }

  async exists(id: string): Promise<boolean> {
    return (await this.users.findById(id)) !== null;
  }

  /** The user as stored, without secrets; null when missing. */
  findRecord(id: string): Promise<PublicUserRecord | null> {
    return this.users.findById(id);
  }

  /** {@link findRecord}, or NOT_FOUND. */
  async getRecord(id: string): Promise<PublicUserRecord> {
    const record = await this.users.findById(id);
    if (record === null) throw new AppError(ErrorCode.NOT_FOUND, 'User not found');
    return record;
  }

  /**
   * A new user with this password (hashed here) and, optionally, a (normalized) email address,
   * unverified; USERNAME_TAKEN or EMAIL_TAKEN when held. Answered as the new user sees itself.
   */
  async create(
    username: string,
    password: string,
    role: Role,
    email: string | null = null,
  ): Promise<User> {
    if (await this.users.existsByUsername(username)) throw new AppError(ErrorCode.USERNAME_TAKEN);
    const passwordHash = await this.passwords.hash(password);
    return User.ofSelf(await this.users.create(username, passwordHash, role, email));
  }

  /**
   * Sets, changes or (null) removes a user's (normalized) email address, which is unverified from
   * then on; answers the user before and after (the same when nothing changed). NOT_FOUND,
   * EMAIL_TAKEN.
   */
  async setEmail(
    id: string,
    email: string | null,
  ): Promise<{ before: PublicUserRecord; after: PublicUserRecord }> {
    const result = await this.users.setEmail(id, email);
    if (result === null) throw new AppError(ErrorCode.NOT_FOUND, 'User not found');
    return result;
  }

  /** Marks the address verified if it is still the user's; false when it no longer is. */
  markEmailVerified(id: Types.ObjectId, email: string): Promise<boolean> {
    return this.users.markEmailVerified(id, email);
  }

  /** Turns the `mfaEnabled` flag on or off (for the second-factor use cases); NOT_FOUND. */
  async setMfaEnabled(id: string, enabled: boolean): Promise<void> {
    if (!(await this.users.setMfaEnabled(id, enabled)))
      throw new AppError(ErrorCode.NOT_FOUND, 'User not found');
  }

  /**
   * The user named `username` when `password` is theirs, else null. An unknown name costs the
   * same database reads and the same bcrypt work as a wrong password. `onNamed` learns who the
   * name belongs to either way (a failed sign-in is recorded under that user).
   */
  async checkPassword(
    username: string,
    password: string,
    onNamed: (user: UserRecord | null) => void = () => undefined,
  ): Promise<UserRecord | null> {
    const user = await this.users.findByUsername(username);
    onNamed(user);
    return (await this.passwords.verify(password, user?.passwordHash)) ? user : null;
  }

  /** Whether `password` is the current password of the user `id`. */
  async isPasswordOf(id: string, password: string): Promise<boolean> {
    return this.passwords.verify(password, await this.users.findPasswordHash(id));
  }

  /** Stores a new password; the credential version moves on, which sessions opened meanwhile see. */
  async setPassword(id: string, password: string): Promise<void> {
    await this.users.updatePasswordHash(id, await this.passwords.hash(password));
  }

  /** {@link findRecord} with the credential version a password check saw (SessionStore.open). */
  findWithCredentialVersion(
    id: Types.ObjectId,
  ): Promise<(PublicUserRecord & { credentialVersion: number }) | null> {
    return this.users.findWithCredentialVersion(id);
  }

  credentialVersionOf(id: Types.ObjectId): Promise<number | undefined> {
    return this.users.findCredentialVersion(id);
  }

  /** An admin's changes (no authorization here: see AccountsService); NOT_FOUND, LAST_ADMIN. */
  async update(
    id: string,
    changes: UserChanges,
  ): Promise<{ before: PublicUserRecord; after: PublicUserRecord }> {
    const result = await this.users.update(id, changes);
    if (result === null) throw new AppError(ErrorCode.NOT_FOUND, 'User not found');
    return result;
  }

  /** Deletes the user and frees its name (no authorization here: see AccountsService); NOT_FOUND, LAST_ADMIN. */
  async delete(id: string): Promise<void> {
    if ((await this.users.delete(id)) === null)
      throw new AppError(ErrorCode.NOT_FOUND, 'User not found');
  }

  /**
   * The user of that name, if any (AdminSeeder, forgot-password). An unknown name costs the same
   * two primary-key reads as a known one.
   */
  findByUsername(username: string): Promise<UserRecord | null> {
    return this.users.findByUsername(username);
  }

  /** The user holding that (normalized) email address, if any: the same reads either way. */
  findByEmail(email: string): Promise<UserRecord | null> {
    return this.users.findByEmail(email);
  }
}
