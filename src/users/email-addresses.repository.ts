import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { findOneById, insertOnce } from '../database/driver';
import { EmailAddressDocument, EmailAddressRecord } from './email-address.schema';

/**
 * The only code that touches the email_addresses collection, keyed by normalized address. Used by
 * UsersRepository alone, which keeps the entries in step with the users.
 */
@Injectable()
export class EmailAddressesRepository {
  constructor(
    @InjectModel(EmailAddressDocument.name)
    private readonly addresses: Model<EmailAddressDocument>,
  ) {}

  find(email: string): Promise<EmailAddressRecord | null> {
    return findOneById<EmailAddressRecord>(this.addresses, email);
  }

  /** False when `email` already has an entry: the `_id` index decides, atomically on every backend. */
  claim(email: string, userId: Types.ObjectId): Promise<boolean> {
    return insertOnce(this.addresses, { _id: email, userId, claimedAt: new Date() });
  }

  async deleteIfPointsAt(email: string, userId: Types.ObjectId): Promise<void> {
    await this.addresses.deleteOne({ _id: email, userId }).exec();
  }
}
