import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted } from 'mongoose';
import { RateLimitSlotDocument } from './rate-limit-slot.schema';

const DUPLICATE_KEY = 11000;

function slotId(key: string, window: number, slot: number): string {
  return `${window}|${slot}|${key}`;
}

/** The only code that touches the rate_limit_slots collection. */
@Injectable()
export class RateLimitRepository {
  constructor(
    @InjectModel(RateLimitSlotDocument.name) private readonly slots: Model<RateLimitSlotDocument>,
  ) {}

  /** Claims a slot; false when another request (on any instance) holds it. */
  async claim(key: string, window: number, slot: number, expiresAt: Date): Promise<boolean> {
    try {
      await this.slots.create({ _id: slotId(key, window, slot), expiresAt });
      return true;
    } catch (error) {
      if ((error as { code?: number }).code === DUPLICATE_KEY) return false;
      throw error;
    }
  }

  /**
   * Claims several slots in one round trip; each result says whether its slot was won. The
   * inserts are unordered, so a slot another request holds does not stop the others.
   */
  async claimMany(
    claims: readonly { key: string; window: number; slot: number }[],
    expiresAt: Date,
  ): Promise<boolean[]> {
    if (claims.length === 0) return [];
    if (claims.length === 1) {
      const [{ key, window, slot }] = claims;
      return [await this.claim(key, window, slot, expiresAt)];
    }
    const won = claims.map(() => true);
    try {
      await this.slots.insertMany(
        claims.map(({ key, window, slot }) => ({ _id: slotId(key, window, slot), expiresAt })),
        { ordered: false, lean: true },
      );
    } catch (error) {
      const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
      if (!Array.isArray(writeErrors)) throw error;
      // mongoose hands the driver's write errors on as `{ index, err }`
      for (const writeError of writeErrors as {
        index: number;
        code?: number;
        err?: { code?: number };
      }[]) {
        if ((writeError.code ?? writeError.err?.code) !== DUPLICATE_KEY) throw error;
        won[writeError.index] = false;
      }
    }
    return won;
  }

  async isTaken(key: string, window: number, slot: number): Promise<boolean> {
    return (await this.slots.exists({ _id: slotId(key, window, slot) }).exec()) !== null;
  }

  async deleteExpired(now: Date): Promise<void> {
    await this.slots.deleteMany({ expiresAt: trusted({ $lt: now }) }).exec();
  }
}
