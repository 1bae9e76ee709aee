import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import {
  deleteWhere,
  findOneById,
  insertEachOnce,
  insertOnce,
  isDuplicateKey,
} from '../database/driver';
import { UsernameDocument, UsernameRecord } from './username.schema';

/**
 * The only code that touches the usernames collection, keyed by normalized username. Used by
 * UsersRepository alone, which keeps the entries in step with the users.
 */
@Injectable()
export class UsernamesRepository {
  constructor(
    @InjectModel(UsernameDocument.name) private readonly names: Model<UsernameDocument>,
  ) {}

  async findUserId(name: string): Promise<Types.ObjectId | null> {
    const entry = await findOneById<UsernameRecord>(this.names, name);
    return entry?.userId ?? null;
  }

  /** False when `name` already has an entry: the `_id` index decides, atomically on every backend. */
  insert(name: string, userId: Types.ObjectId): Promise<boolean> {
    return insertOnce(this.names, { _id: name, userId });
  }

  async deleteIfPointsAt(name: string, userId: Types.ObjectId): Promise<void> {
    await deleteWhere(this.names, { _id: name, userId });
  }

  /** Points `name` at `userId`, whatever it pointed at before, creating the entry if missing. */
  async set(name: string, userId: Types.ObjectId): Promise<void> {
    const update = () =>
      this.names.updateOne({ _id: name }, { $set: { userId } }, { upsert: true }).exec();
    try {
      await update();
    } catch (error) {
      // a concurrent upsert inserted the entry first: it exists now, so this one updates it
      if (!isDuplicateKey(error)) throw error;
      await update();
    }
  }

  count(): Promise<number> {
    return this.names.estimatedDocumentCount().exec();
  }

  /** Inserts the entries whose name has none; existing entries stay as they are. Returns how many. */
  async insertMissing(entries: UsernameRecord[]): Promise<number> {
    return (await insertEachOnce(this.names, entries)).filter((stored) => stored).length;
  }
}
