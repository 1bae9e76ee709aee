import { Field, ID, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { JsonView } from '../common/json-view';
import { RevokedReason } from './store/refresh-token.schema';
import type { ListedRefreshToken } from './store/session-store';

/** A refresh token as its owner or an admin sees it: never its value or hash. */
@ObjectType('RefreshToken')
export class RefreshTokenView extends JsonView {
  @Field(() => ID)
  @ApiProperty({ example: '665f1c2b9d3e4a0012ab34ce' })
  id!: string;

  createdAt!: Date;

  expiresAt!: Date;

  /** The client IP that signed in or refreshed. */
  createdByIp!: string;

  @Field(() => String, { nullable: true })
  @ApiProperty({ type: String, nullable: true, example: 'Mozilla/5.0' })
  userAgent!: string | null;

  @Field(() => Date, { nullable: true })
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  revokedAt!: Date | null;

  @Field(() => String, { nullable: true })
  @ApiProperty({ type: String, nullable: true })
  revokedByIp!: string | null;

  /** logout, revoked, rotated, reuse-detected or password-changed. */
  @Field(() => String, { nullable: true })
  @ApiProperty({ type: String, enum: RevokedReason, enumName: 'RevokedReason', nullable: true })
  revokedReason!: RevokedReason | null;

  /** The id of the token that replaced this one on rotation. */
  @Field(() => ID, { nullable: true })
  @ApiProperty({ type: String, nullable: true })
  replacedBy!: string | null;

  isExpired!: boolean;

  isActive!: boolean;

  static from(record: ListedRefreshToken, now = new Date()): RefreshTokenView {
    const view = new RefreshTokenView();
    view.id = record.id;
    view.createdAt = record.createdAt;
    view.expiresAt = record.expiresAt;
    view.createdByIp = record.createdByIp;
    view.userAgent = record.userAgent;
    view.revokedAt = record.revokedAt;
    view.revokedByIp = record.revokedByIp;
    view.revokedReason = record.revokedReason;
    view.replacedBy = record.replacedBy;
    view.isExpired = record.expiresAt.getTime() <= now.getTime();
    view.isActive = record.revokedAt === null && !view.isExpired;
    return view;
  }
}
