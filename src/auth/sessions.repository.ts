import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { SessionDocument } from './session.schema';

/** The only code that touches the sessions collection. */
@Injectable()
export class SessionsRepository {
  constructor(
    @InjectModel(SessionDocument.name) private readonly sessions: Model<SessionDocument>,
  ) {}

  async create(
    sessionId: string,
    userId: Types.ObjectId,
    headTokenId: Types.ObjectId,
    now: Date,
  ): Promise<void> {
    await this.sessions.create({ _id: sessionId, userId, headTokenId, createdAt: now });
  }

  async findHeadTokenId(sessionId: string): Promise<Types.ObjectId | undefined> {
    const session = await this.sessions
      .findById(sessionId, { headTokenId: 1 })
      .lean<Pick<SessionDocument, 'headTokenId'>>()
      .exec();
    return session?.headTokenId;
  }

  /** Moves the head from `parent` to `successor`; a late writer cannot move it backwards. */
  async advanceHead(
    sessionId: string,
    parent: Types.ObjectId,
    successor: Types.ObjectId,
  ): Promise<void> {
    await this.sessions
      .updateOne({ _id: sessionId, headTokenId: parent }, { $set: { headTokenId: successor } })
      .exec();
  }

  async deleteAllOfUser(userId: string): Promise<void> {
    await this.sessions.deleteMany({ userId: new Types.ObjectId(userId) }).exec();
  }
}
