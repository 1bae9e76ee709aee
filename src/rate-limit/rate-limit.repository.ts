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

  async isTaken(key: string, window: number, slot: number): Promise<boolean> {
    return (await this.slots.exists({ _id: slotId(key, window, slot) }).exec()) !== null;
  }

  async deleteExpired(now: Date): Promise<void> {
    await this.slots.deleteMany({ expiresAt: trusted({ $lt: now }) }).exec();
  }
}
