import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/**
 * Normalized username → user id, so that a sign-in finds its user by primary key on every backend:
 * FerretDB on SQLite uses an index only for `_id`, and scans the collection for any other filter.
 * The `_id` index also makes inserting an entry the atomic arbiter of who gets a name.
 */
@Schema({ collection: 'usernames', versionKey: false })
export class UsernameDocument {
  /** The normalized username (see `normalizeUsername`). */
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ type: Types.ObjectId, required: true })
  userId!: Types.ObjectId;
}

export const UsernameSchema = SchemaFactory.createForClass(UsernameDocument);

/** A stored entry as the repository returns it (lean). */
export interface UsernameRecord {
  _id: string;
  userId: Types.ObjectId;
}
