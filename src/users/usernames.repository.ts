import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, mongo, Types } from 'mongoose';
import { findOneById } from '../database/driver';
import { UsernameDocument, UsernameRecord } from './username.schema';

const DUPLICATE_KEY = 11000;
const isDuplicateKey = (error: unknown) => (error as { code?: number }).code === DUPLICATE_KEY;

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
  async insert(name: string, userId: Types.ObjectId): Promise<boolean> {
    try {
      await this.names.create({ _id: name, userId });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async deleteIfPointsAt(name: string, userId: Types.ObjectId): Promise<void> {
    await this.names.deleteOne({ _id: name, userId }).exec();
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
    if (entries.length === 0) return 0;
    try {
      // the driver's own insertMany: Mongoose's copies its write errors without their codes
      const collection = this.names.db.collection<UsernameRecord>(this.names.collection.name);
      return (await collection.insertMany(entries, { ordered: false })).insertedCount;
    } catch (error) {
      if (
        error instanceof mongo.MongoBulkWriteError &&
        [error.writeErrors].flat().every(isDuplicateKey)
      )
        return error.insertedCount;
      throw error;
    }
  }
}
