import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { AppError, ErrorCode } from '../common/app-error';
import { Role } from '../common/auth-user';
import { User } from './user.model';
import { PublicUserRecord, UserChanges, UserRecord } from './user.schema';
import { UsersRepository } from './users.repository';

@Injectable()
export class UsersService {
  constructor(private readonly users: UsersRepository) {}

  async getById(id: string): Promise<User> {
    const record = await this.users.findById(id);
    if (record === null) throw new AppError(ErrorCode.NOT_FOUND, 'User not found');
    return User.from(record);
  }

  async list(limit: number, after?: string): Promise<User[]> {
    return (await this.users.list(limit, after)).map((record) => User.from(record));
  }

  /** Every user in creation order (after `after`), one at a time: for unpaged lists of any size. */
  async *streamAll(after?: string): AsyncGenerator<User> {
    for await (const record of this.users.streamAll(after)) yield User.from(record);
  }

  async exists(id: string): Promise<boolean> {
    return (await this.users.findById(id)) !== null;
  }

  /** The user as stored, without secrets; null when missing. */
  findRecord(id: string): Promise<PublicUserRecord | null> {
    return this.users.findById(id);
  }

  isUsernameTaken(username: string): Promise<boolean> {
    return this.users.existsByUsername(username);
  }

  /** USERNAME_TAKEN when the name is held. */
  async create(username: string, passwordHash: string, role: Role): Promise<User> {
    return User.from(await this.users.create(username, passwordHash, role));
  }

  /** The user named `username` with its password hash and credential version, for checking a sign-in. */
  findWithCredentials(username: string): Promise<UserRecord | null> {
    return this.users.findByUsername(username);
  }

  passwordHashOf(id: string): Promise<string | undefined> {
    return this.users.findPasswordHash(id);
  }

  /** Stores a new password hash; the credential version moves on, which ends older sessions. */
  setPasswordHash(id: string, passwordHash: string): Promise<void> {
    return this.users.updatePasswordHash(id, passwordHash);
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
}
