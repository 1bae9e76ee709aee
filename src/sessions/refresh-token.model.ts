import { Field, ID, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { EXAMPLE } from '../common/api-docs/api-docs';
import { JsonView } from '../common/json-view';
import { RevokedReason } from './store/refresh-token.schema';
import type { ListedRefreshToken } from './store/session-store';

/** A refresh token as its owner or an admin sees it: never its value or hash. */
@ObjectType('RefreshToken')
export class RefreshTokenView extends JsonView {
  @Field(() => ID)
  @ApiProperty({ example: EXAMPLE.refreshTokenId })
  id!: string;

  @ApiProperty({ example: EXAMPLE.refreshedAt })
  createdAt!: Date;

  @ApiProperty({ example: EXAMPLE.refreshExpiresAt })
  expiresAt!: Date;

  /** The client IP that signed in or refreshed. */
  @ApiProperty({ example: EXAMPLE.ip })
  createdByIp!: string;

  @Field(() => String, { nullable: true })
  @ApiProperty({ type: String, nullable: true, example: EXAMPLE.userAgent })
  userAgent!: string | null;

  @Field(() => Date, { nullable: true })
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null })
  revokedAt!: Date | null;

  @Field(() => String, { nullable: true })
  @ApiProperty({ type: String, nullable: true, example: null })
  revokedByIp!: string | null;

  /** logout, revoked, rotated, reuse-detected or password-changed. */
  @Field(() => String, { nullable: true })
  @ApiProperty({
    type: String,
    enum: RevokedReason,
    enumName: 'RevokedReason',
    nullable: true,
    example: null,
  })
  revokedReason!: RevokedReason | null;

  /** The id of the token that replaced this one on rotation. */
  @Field(() => ID, { nullable: true })
  @ApiProperty({ type: String, nullable: true, example: null })
  replacedBy!: string | null;

  @ApiProperty({ example: false })
  isExpired!: boolean;

  @ApiProperty({ example: true })
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
