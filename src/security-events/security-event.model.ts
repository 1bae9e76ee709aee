import { Field, ID, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { EXAMPLE } from '../common/api-docs/api-docs';
import { JsonView } from '../common/json-view';
import { SecurityEventRecord, SecurityEventType } from './security-event.schema';

/** A security event as its user or an admin sees it. Never a password, token or hash. */
@ObjectType('SecurityEvent')
export class SecurityEventView extends JsonView {
  /** 24-hex ObjectId; ids grow with time, so `after` pages to older events. */
  @Field(() => ID)
  @ApiProperty({ example: EXAMPLE.securityEventId })
  id!: string;

  /** sign-in, sign-in-failed, refresh-reuse-detected, session-revoked, session-evicted, logout, password-changed, password-reset-requested, password-reset, email-changed, email-verified, mfa-enabled, mfa-disabled, mfa-failed, recovery-codes-regenerated, mfa-reset, user-disabled, user-enabled, role-changed or user-deleted. */
  @Field(() => String)
  @ApiProperty({ enum: SecurityEventType, enumName: 'SecurityEventType' })
  type!: SecurityEventType;

  @ApiProperty({ example: EXAMPLE.signedInAt })
  at!: Date;

  /** The client IP of the request that caused it. */
  @ApiProperty({ example: EXAMPLE.ip })
  ip!: string;

  @Field(() => String, { nullable: true })
  @ApiProperty({ type: String, nullable: true, example: EXAMPLE.userAgent })
  userAgent!: string | null;

  /** The session concerned (the `sid` of its access tokens), or null. */
  @Field(() => String, { nullable: true })
  @ApiProperty({ type: String, nullable: true, example: EXAMPLE.sessionId })
  sessionId!: string | null;

  /** The user or admin who acted, or null. */
  @Field(() => ID, { nullable: true })
  @ApiProperty({ type: String, nullable: true, example: EXAMPLE.userId })
  actorId!: string | null;

  static from(record: SecurityEventRecord): SecurityEventView {
    const view = new SecurityEventView();
    view.id = record._id.toHexString();
    view.type = record.type;
    view.at = record.at;
    view.ip = record.ip;
    view.userAgent = record.userAgent;
    view.sessionId = record.sessionId;
    view.actorId = record.actorId?.toHexString() ?? null;
    return view;
  }
}
