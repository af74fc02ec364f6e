"""Everything the deployment needs besides what `chalice package` generates (the functions, the API, their
subscriptions): table, bucket, topics, bus, SES receiving and configuration set, dead-letter queues, alarms,
dashboard, and one least-privilege policy per function. Built in Python so the table shape is shared with the
local stack (infra/table.py) and names come from the stage's .chalice/config.json."""

import json
from typing import Any

from .table import table_definition

FUNCTIONS = {
    "api_handler": "APIHandler",
    "sweep": "Sweep",
    "ses_events": "SesEvents",
    "inbound_email": "InboundEmail",
    "shopify_events": "ShopifyEvents",
}
EVENT_FUNCTIONS = ("sweep", "ses_events", "inbound_email", "shopify_events")
DATA_ACTIONS = [
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",  # announcement cursors, archived removals losing their address on erasure
    "dynamodb:DeleteItem",
    "dynamodb:Query",
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
]
# Each function's share (tests/infra/test_iam_coverage.py records what each one calls). Every writer may move old
# ledger entries to their own items (BatchWriteItem); the API deletes (erasure, review, facts), and so do the Shopify
# function (erasure) and the sweep (people a storefront took away with it).
FUNCTION_DATA_ACTIONS = {
    "api_handler": DATA_ACTIONS,
    "sweep": DATA_ACTIONS,
    "ses_events": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:BatchWriteItem"],
    # mailto: handles name an item key: its address may be a third-party record's (a Query of the partition)
    "inbound_email": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:BatchWriteItem"],
    # Shopify's webhooks through EventBridge: what the API does with them, erasure (customers/redact) included
    "shopify_events": DATA_ACTIONS,
}


API_RATE_PER_SECOND = 200  # every client together, averaged over a minute (WAF's rule for all)
# what CloudFront sends and the API function requires (chalicelib/front.py), resolved when the stack is deployed
ORIGIN_HEADER = "X-Listkeeper-Origin"
ORIGIN_SECRET_REFERENCE = "{{resolve:secretsmanager:${OriginSecret}:SecretString}}"  # noqa: S105 - a reference
REQUESTS_PER_IP_PER_5_MINUTES = 1000  # WAF's rate rule: far above a person, far below a flood
LOG_RETENTION_DAYS = 30  # logs carry no personal data, but are kept no longer than the raw mail
PARTNER_ARCHIVE_DAYS = 7  # partner events may carry a name and postal address: out of erasure's reach that long


def bucket_name(env: dict[str, str]) -> str:
    """Bucket names are global: the stage's name, made unique by the account and region (resolved by Fn::Sub)."""
    return f"{env['LISTKEEPER_BUCKET']}-${{AWS::AccountId}}-${{AWS::Region}}"


def public_host(env: dict[str, str]) -> str:
    """The host links in mail point at: the API's custom domain (so it is in the template, not left to chance)."""
    return env["LISTKEEPER_PUBLIC_BASE_URL"].split("://", 1)[1].split("/", 1)[0]


def api_secrets_parameter(env: dict[str, str]) -> str:
    """API keys and webhook secrets apart from the shared secrets: only the API function may read them."""
    return env["LISTKEEPER_SECRETS_PARAMETER"].rsplit("/", 1)[0] + "/api-secrets"


def function_name(env: dict[str, str], name: str) -> str:
    """Fixed names, unique per stage: log groups and policies can name them without a circular reference."""
    return f"listkeeper-{env['LISTKEEPER_STAGE']}-{name}"


def _account_arn(service: str, rest: str) -> str:
    """An ARN in this stack's region and account (resolved by Fn::Sub when the template is built)."""
    return f"arn:aws:{service}:${{AWS::Region}}:${{AWS::AccountId}}:{rest}"


def receipt_rule_arn(env: dict[str, str]) -> str:
    rule_set = f"listkeeper-{env['LISTKEEPER_STAGE']}"
    return _account_arn("ses", f"receipt-rule-set/{rule_set}:receipt-rule/customer-service")


def configuration_set(env: dict[str, str]) -> str:
    return env.get("LISTKEEPER_CONFIGURATION_SET", f"listkeeper-{env['LISTKEEPER_STAGE']}")


def _service_may_use_key(service: str) -> dict[str, Any]:
    return {
        "Sid": f"{service.split('.')[0].title()}EncryptsWithIt",
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
    }


def _data_key() -> dict[str, Any]:
    """The key of the topics SES and CloudWatch publish to, of the queues, and of the log groups. The AWS-managed SNS
    and SQS keys cannot be used by other services: their policies cannot grant one."""
    logs_principal = {"Fn::Sub": "logs.${AWS::Region}.amazonaws.com"}
    return {
        "DataKey": {
            "Type": "AWS::KMS::Key",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "Description": "listkeeper: topics written by SES and CloudWatch, and the functions' log groups",
                "EnableKeyRotation": True,
                "KeyPolicy": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "AccountAdministers",
                            "Effect": "Allow",
                            "Principal": {"AWS": {"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:root"}},
                            "Action": "kms:*",
                            "Resource": "*",
                        },
                        _service_may_use_key("ses.amazonaws.com"),
                        _service_may_use_key("cloudwatch.amazonaws.com"),
                        _service_may_use_key("events.amazonaws.com"),  # the partner rule's dead letters
                        {
                            "Sid": "LogsEncryptsTheFunctionsLogGroups",
                            "Effect": "Allow",
                            "Principal": {"Service": logs_principal},
                            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
                            "Resource": "*",
                            "Condition": {
                                "ArnLike": {
                                    "kms:EncryptionContext:aws:logs:arn": {
                                        "Fn::Sub": _account_arn("logs", "log-group:/aws/lambda/listkeeper-*")
                                    }
                                }
                            },
                        },
                    ],
                },
            },
        }
    }


def _rule(name: str, priority: int, statement: dict[str, Any], stage: str, **action: Any) -> dict[str, Any]:
    return {
        "Name": name,
        "Priority": priority,
        **(action or {"Action": {"Block": {"CustomResponse": {"ResponseCode": 429}}}}),
        "Statement": statement,
        "VisibilityConfig": {
            "SampledRequestsEnabled": False,  # samples would keep link tokens and bodies
            "CloudWatchMetricsEnabled": True,
            "MetricName": f"listkeeper-{stage}-{name}",
        },
    }


BAD_INPUTS = "AWSManagedRulesKnownBadInputsRuleSet"


def front_firewall(env: dict[str, str]) -> dict[str, Any]:
    """WAF in front of every public route: a rate limit per client address, one for everyone (what API Gateway's
    stage throttling did), and AWS's known-bad-inputs rules. A CloudFront web ACL lives in us-east-1."""
    stage = env["LISTKEEPER_STAGE"]
    every_path = {
        "ByteMatchStatement": {
            "SearchString": "/",
            "FieldToMatch": {"UriPath": {}},
            "PositionalConstraint": "STARTS_WITH",
            "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
        }
    }
    return {
        "Type": "AWS::WAFv2::WebACL",
        "Properties": {
            "Name": f"listkeeper-{stage}-front",
            "Scope": "CLOUDFRONT",
            "DefaultAction": {"Allow": {}},
            "VisibilityConfig": {
                "SampledRequestsEnabled": False,
                "CloudWatchMetricsEnabled": True,
                "MetricName": f"listkeeper-{stage}-waf",
            },
            "Rules": [
                _rule(
                    "rate",  # per client address
                    0,
                    {"RateBasedStatement": {"Limit": REQUESTS_PER_IP_PER_5_MINUTES, "AggregateKeyType": "IP"}},
                    stage,
                ),
                _rule(
                    "rate-all",  # every client together, counted over a minute
                    1,
                    {
                        "RateBasedStatement": {
                            "Limit": API_RATE_PER_SECOND * 60,
                            "EvaluationWindowSec": 60,
                            "AggregateKeyType": "CONSTANT",
                            "ScopeDownStatement": every_path,
                        }
                    },
                    stage,
                ),
                _rule(  # Log4Shell-style payloads; inspects headers and the first 16 KB
                    "bad-inputs",
                    2,
                    {
                        "ManagedRuleGroupStatement": {
                            "VendorName": "AWS",
                            "Name": "AWSManagedRulesKnownBadInputsRuleSet",
                        }
                    },
                    stage,
                    OverrideAction={"None": {}},
                ),
            ],
        },
    }


# CloudFront's managed policies: nothing cached (every answer is per person and per moment); every viewer header,
# cookie and query string forwarded but the Host (a function URL answers to its own), CloudFront's headers with them
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"


def _front(env: dict[str, str]) -> dict[str, Any]:
    """The public routes' front: CloudFront on the links' domain, with WAF, before the API function's URL.

    Cheaper per request than API Gateway's REST API with WAF (bench/cost.py), the same firewall. The function URL
    itself is public (CloudFront's origin access control would make every POST carry a hash of its body, which a
    mail client's one-click does not), so CloudFront adds a secret header and the function refuses requests without
    it (chalicelib/front.py). Throttling: WAF's two rate rules and the function's reserved concurrency."""
    stage = env["LISTKEEPER_STAGE"]
    url_host = {"Fn::Select": [2, {"Fn::Split": ["/", {"Fn::GetAtt": ["ApiUrl", "FunctionUrl"]}]}]}
    return {
        "OriginSecret": {
            "Type": "AWS::SecretsManager::Secret",
            "Properties": {
                "Name": f"listkeeper-{stage}-origin",
                "Description": "the header CloudFront adds to every request it passes to the API function",
                "KmsKeyId": {"Ref": "DataKey"},
                "GenerateSecretString": {"PasswordLength": 48, "ExcludePunctuation": True},
            },
        },
        "FrontFirewall": {**front_firewall(env), "Condition": "OwnFirewall"},
        "ApiUrl": {
            "Type": "AWS::Lambda::Url",
            "Properties": {"TargetFunctionArn": {"Fn::GetAtt": ["APIHandler", "Arn"]}, "AuthType": "NONE"},
        },
        # a function URL needs both grants; the second holds only for calls through the URL
        "ApiUrlPermission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunctionUrl",
                "FunctionName": {"Ref": "APIHandler"},
                "Principal": "*",
                "FunctionUrlAuthType": "NONE",
            },
        },
        "ApiUrlInvokePermission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": {"Ref": "APIHandler"},
                "Principal": "*",
                "InvokedViaFunctionUrl": True,
            },
        },
        # every link in mail goes to this domain: without it in the template, they would all be dead
        "Front": {
            "Type": "AWS::CloudFront::Distribution",
            "Properties": {
                "DistributionConfig": {
                    "Enabled": True,
                    "Comment": f"listkeeper {stage}: links, pages, webhooks and API",
                    "Aliases": [public_host(env)],
                    "ViewerCertificate": {
                        "AcmCertificateArn": {"Ref": "CertificateArn"},
                        "SslSupportMethod": "sni-only",
                        "MinimumProtocolVersion": "TLSv1.2_2021",
                    },
                    "HttpVersion": "http2and3",
                    "PriceClass": "PriceClass_100",
                    "WebACLId": {
                        "Fn::If": ["OwnFirewall", {"Fn::GetAtt": ["FrontFirewall", "Arn"]}, {"Ref": "FrontFirewallArn"}]
                    },
                    "Origins": [
                        {
                            "Id": "api",
                            "DomainName": url_host,
                            "CustomOriginConfig": {
                                "OriginProtocolPolicy": "https-only",
                                "OriginSSLProtocols": ["TLSv1.2"],
                                "OriginReadTimeout": 30,  # the function's own limit is 29 s
                            },
                            "OriginCustomHeaders": [
                                {
                                    "HeaderName": ORIGIN_HEADER,
                                    "HeaderValue": {"Fn::Sub": ORIGIN_SECRET_REFERENCE},
                                }
                            ],
                        }
                    ],
                    "DefaultCacheBehavior": {
                        "TargetOriginId": "api",
                        "ViewerProtocolPolicy": "redirect-to-https",
                        "AllowedMethods": ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"],
                        "CachedMethods": ["GET", "HEAD"],
                        "CachePolicyId": CACHING_DISABLED,
                        "OriginRequestPolicyId": ALL_VIEWER_EXCEPT_HOST_HEADER,
                    },
                }
            },
        },
    }


def _log_groups(env: dict[str, str]) -> dict[str, Any]:
    return {
        f"{logical}Logs": {
            "Type": "AWS::Logs::LogGroup",
            "DeletionPolicy": "Delete",
            "Properties": {
                "LogGroupName": f"/aws/lambda/{function_name(env, name)}",
                "RetentionInDays": LOG_RETENTION_DAYS,
                "KmsKeyId": {"Fn::GetAtt": ["DataKey", "Arn"]},
            },
        }
        for name, logical in FUNCTIONS.items()
    }


def _partner_bus(env: dict[str, str]) -> dict[str, Any]:
    """Removal events go to the partners' bus (a parameter: another account's bus, or one the store runs), a failed
    delivery to a queue with an alarm, and an archive kept a short time so a partner outage can be replayed."""
    return {
        "EventBus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": env["LISTKEEPER_BUS"]}},
        "PartnerArchive": {
            "Type": "AWS::Events::Archive",
            "Properties": {
                "SourceArn": {"Fn::GetAtt": ["EventBus", "Arn"]},
                "RetentionDays": PARTNER_ARCHIVE_DAYS,
                "Description": "removal events, replayable after a partner outage; they may hold name and address",
            },
        },
        "PartnerDeadLetters": {
            "Type": "AWS::SQS::Queue",
            "Properties": {"MessageRetentionPeriod": 1209600, "KmsMasterKeyId": {"Ref": "DataKey"}},
        },
        "PartnerDeadLettersPolicy": {
            "Type": "AWS::SQS::QueuePolicy",
            "Properties": {
                "Queues": [{"Ref": "PartnerDeadLetters"}],
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "TheRuleKeepsWhatItCouldNotDeliver",
                            "Effect": "Allow",
                            "Principal": {"Service": "events.amazonaws.com"},
                            "Action": "sqs:SendMessage",
                            "Resource": {"Fn::GetAtt": ["PartnerDeadLetters", "Arn"]},
                            "Condition": {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["PartnerRule", "Arn"]}}},
                        }
                    ],
                },
            },
        },
        "PartnerForwardRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "events.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                            "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
                        }
                    ],
                },
                "Policies": [
                    {
                        "PolicyName": "forward-removals",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {"Effect": "Allow", "Action": "events:PutEvents", "Resource": {"Ref": "PartnerBusArn"}}
                            ],
                        },
                    }
                ],
            },
        },
        "PartnerRule": {
            "Type": "AWS::Events::Rule",
            "Properties": {
                "EventBusName": {"Ref": "EventBus"},
                "EventPattern": {"source": ["listkeeper"], "detail-type": ["RemovalRequested"]},
                "State": "ENABLED",
                "Targets": [
                    {
                        "Id": "partners",
                        "Arn": {"Ref": "PartnerBusArn"},
                        "RoleArn": {"Fn::GetAtt": ["PartnerForwardRole", "Arn"]},
                        "DeadLetterConfig": {"Arn": {"Fn::GetAtt": ["PartnerDeadLetters", "Arn"]}},
                    }
                ],
            },
        },
    }


def _shopify_events() -> dict[str, Any]:
    """Shopify's webhooks through the app's EventBridge partner event source, when the stack is given its name: a
    rule on that partner bus invokes `shopify_events` (AWS authenticates the source; no signature to check). A
    failed invocation is retried by Lambda, then kept in the function's dead-letter queue."""
    only = {"Condition": "TakesShopifyEvents"}
    return {
        "ShopifyEventsRule": {
            "Type": "AWS::Events::Rule",
            **only,
            "Properties": {
                "EventBusName": {"Ref": "ShopifyEventSource"},
                "EventPattern": {"source": [{"Ref": "ShopifyEventSource"}]},
                "State": "ENABLED",
                "Targets": [{"Id": "shopify-events", "Arn": {"Fn::GetAtt": ["ShopifyEvents", "Arn"]}}],
            },
        },
        "ShopifyEventsInvoke": {
            "Type": "AWS::Lambda::Permission",
            **only,
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": {"Ref": "ShopifyEvents"},
                "Principal": "events.amazonaws.com",
                "SourceArn": {"Fn::GetAtt": ["ShopifyEventsRule", "Arn"]},
                "SourceAccount": {"Ref": "AWS::AccountId"},
            },
        },
    }


def stage_settings(config: dict[str, Any], stage: str) -> dict[str, str]:
    env = dict(config.get("environment_variables", {}))
    env.update(config["stages"][stage].get("environment_variables", {}))
    return env


def _dynamo_table(env: dict[str, str]) -> dict[str, Any]:
    shape = table_definition(env["LISTKEEPER_TABLE"])
    return {
        "Type": "AWS::DynamoDB::Table",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            **shape,
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "TimeToLiveSpecification": {"AttributeName": "ttl", "Enabled": True},
            "SSESpecification": {"SSEEnabled": True},
            "DeletionProtectionEnabled": True,
        },
    }


def _bucket(env: dict[str, str]) -> dict[str, Any]:
    return {
        "Type": "AWS::S3::Bucket",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "BucketName": {"Fn::Sub": bucket_name(env)},
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            "VersioningConfiguration": {"Status": "Enabled"},
            "LifecycleConfiguration": {
                "Rules": [
                    # raw inbound mail and exports hold personal data: kept only as long as they are useful
                    {"Id": "inbound", "Prefix": "inbound/", "Status": "Enabled", "ExpirationInDays": 30},
                    {"Id": "exports", "Prefix": "exports/", "Status": "Enabled", "ExpirationInDays": 30},
                    {
                        "Id": "postal-removals",
                        "Prefix": "postal-removals/",
                        "Status": "Enabled",
                        "ExpirationInDays": 400,
                    },
                    {"Id": "old-versions", "Status": "Enabled", "NoncurrentVersionExpiration": {"NoncurrentDays": 7}},
                ]
            },
        },
    }


def _bucket_policy(env: dict[str, str]) -> dict[str, Any]:
    bucket_arn = {"Fn::GetAtt": ["Bucket", "Arn"]}
    return {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": {"Ref": "Bucket"},
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "SesReceivingWritesInbound",
                        "Effect": "Allow",
                        "Principal": {"Service": "ses.amazonaws.com"},
                        "Action": "s3:PutObject",
                        "Resource": {"Fn::Sub": "${Bucket.Arn}/inbound/*"},
                        "Condition": {
                            "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                            "ArnLike": {"aws:SourceArn": {"Fn::Sub": receipt_rule_arn(env)}},
                        },
                    },
                    {
                        "Sid": "TlsOnly",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [bucket_arn, {"Fn::Sub": "${Bucket.Arn}/*"}],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    },
                ],
            },
        },
    }


def _topic(name: str, logical: str, publisher: str, source_arn: str) -> dict[str, dict[str, Any]]:
    """A topic an AWS service publishes to: encrypted with the data key (which grants that service), and writable
    only by that service, from this account, from the one resource named."""
    return {
        logical: {
            "Type": "AWS::SNS::Topic",
            "Properties": {"TopicName": name, "KmsMasterKeyId": {"Ref": "DataKey"}},
        },
        f"{logical}Policy": {
            "Type": "AWS::SNS::TopicPolicy",
            "Properties": {
                "Topics": [{"Ref": logical}],
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "OnlyItsPublisher",
                            "Effect": "Allow",
                            "Principal": {"Service": publisher},
                            "Action": "sns:Publish",
                            "Resource": {"Ref": logical},
                            "Condition": {
                                "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                                "ArnLike": {"aws:SourceArn": {"Fn::Sub": source_arn}},
                            },
                        }
                    ],
                },
            },
        },
    }


def _ses(env: dict[str, str]) -> dict[str, Any]:
    config_set = configuration_set(env)
    return {
        "ConfigurationSet": {"Type": "AWS::SES::ConfigurationSet", "Properties": {"Name": config_set}},
        "ConfigurationSetEvents": {
            "Type": "AWS::SES::ConfigurationSetEventDestination",
            "Properties": {
                "ConfigurationSetName": {"Ref": "ConfigurationSet"},
                "EventDestination": {
                    "Name": "to-ses-events",
                    "Enabled": True,
                    # Send fills the send log (exactly-once mail); bounces and complaints suppress
                    "MatchingEventTypes": ["send", "bounce", "complaint"],
                    "SnsDestination": {"TopicARN": {"Ref": "SesEventsTopic"}},
                },
            },
        },
        "ReceiptRuleSet": {
            "Type": "AWS::SES::ReceiptRuleSet",
            "Properties": {"RuleSetName": f"listkeeper-{env['LISTKEEPER_STAGE']}"},
        },
        "ReceiptRule": {
            "Type": "AWS::SES::ReceiptRule",
            "DependsOn": ["BucketPolicy", "InboundTopicPolicy"],
            "Properties": {
                "RuleSetName": {"Ref": "ReceiptRuleSet"},
                "Rule": {
                    "Name": "customer-service",
                    "Enabled": True,
                    "ScanEnabled": True,
                    "TlsPolicy": "Optional",
                    "Recipients": [env["LISTKEEPER_MAILTO_DOMAIN"]],
                    "Actions": [
                        {
                            "S3Action": {
                                "BucketName": {"Ref": "Bucket"},
                                "ObjectKeyPrefix": "inbound/",
                                "TopicArn": {"Ref": "InboundTopic"},
                            }
                        }
                    ],
                },
            },
        },
    }


def _dead_letters(env: dict[str, str]) -> dict[str, Any]:
    resources: dict[str, Any] = {}
    for name in EVENT_FUNCTIONS:
        logical = FUNCTIONS[name]
        resources[f"{logical}DeadLetters"] = {
            "Type": "AWS::SQS::Queue",
            # named, so the function's role can name it (Lambda writes here with that role, and the data key)
            "Properties": {
                "QueueName": f"{function_name(env, name)}-dead-letters",
                "MessageRetentionPeriod": 1209600,
                "KmsMasterKeyId": {"Ref": "DataKey"},
            },
        }
        resources[f"{logical}OnFailure"] = {
            "Type": "AWS::Lambda::EventInvokeConfig",
            "Properties": {
                "FunctionName": {"Ref": logical},
                "Qualifier": "$LATEST",
                "MaximumRetryAttempts": 2,
                "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": [f"{logical}DeadLetters", "Arn"]}}},
            },
        }
    return resources


INTAKE_RECEIVES = 400  # one receive per sweep (every 5 minutes): a request waits about 33 hours before dead letters


def _intake(env: dict[str, str]) -> dict[str, Any]:
    """The queue that keeps one-clicks the table could not take (services/intake.py), and its dead letters."""
    name = env["LISTKEEPER_INTAKE_QUEUE"]
    encrypted = {"MessageRetentionPeriod": 1209600, "KmsMasterKeyId": {"Ref": "DataKey"}}
    return {
        "IntakeDeadLetters": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": f"{name}-dead", **encrypted}},
        "IntakeQueue": {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": name,
                "VisibilityTimeout": 300,
                "RedrivePolicy": {
                    "deadLetterTargetArn": {"Fn::GetAtt": ["IntakeDeadLetters", "Arn"]},
                    "maxReceiveCount": INTAKE_RECEIVES,
                },
                **encrypted,
            },
        },
    }


def _staff_pool(env: dict[str, str]) -> dict[str, Any]:
    """Customer-service staff for the console: a Cognito user pool only an admin adds people to, with the groups
    that are the console's roles. listkeeper checks passwords through it and keeps none (services/console.py)."""
    stage = env["LISTKEEPER_STAGE"]
    return {
        "StaffPool": {
            "Type": "AWS::Cognito::UserPool",
            "DeletionPolicy": "Retain",  # the staff accounts outlive a stack that is replaced
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "UserPoolName": f"listkeeper-{stage}-staff",
                "UsernameAttributes": ["email"],
                "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True},
                "Policies": {
                    "PasswordPolicy": {
                        "MinimumLength": 14,
                        "RequireLowercase": True,
                        "RequireUppercase": True,
                        "RequireNumbers": True,
                        "RequireSymbols": False,
                        "TemporaryPasswordValidityDays": 3,
                    }
                },
                "AccountRecoverySetting": {"RecoveryMechanisms": [{"Name": "admin_only", "Priority": 1}]},
                "DeletionProtection": "ACTIVE",
            },
        },
        "StaffPoolClient": {
            "Type": "AWS::Cognito::UserPoolClient",
            "Properties": {
                "UserPoolId": {"Ref": "StaffPool"},
                "ClientName": "console",
                "GenerateSecret": False,
                "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                "PreventUserExistenceErrors": "ENABLED",  # a wrong address and a wrong password answer alike
                "AccessTokenValidity": 5,  # minutes: read once at sign-in, then listkeeper's own session follows
                "IdTokenValidity": 5,
                "RefreshTokenValidity": 60,
                "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "minutes"},
            },
        },
        **{
            f"StaffGroup{group.title()}": {
                "Type": "AWS::Cognito::UserPoolGroup",
                "Properties": {"UserPoolId": {"Ref": "StaffPool"}, "GroupName": group, "Description": description},
            }
            for group, description in (
                ("agent", "customer service: the review queue, contacts, phone and chat removals, deadlines"),
                ("admin", "what agents do, erasure, and the log of console actions"),
            )
        },
    }


def _alarm(
    name: str,
    metric: dict[str, Any],
    description: str,
    threshold: int = 0,
    periods: int = 1,
    statistic: str = "Maximum",
) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": name,
            "AlarmDescription": description,
            "ComparisonOperator": "GreaterThanThreshold",
            "Threshold": threshold,
            "EvaluationPeriods": periods,
            "Period": 300,
            "Statistic": statistic,
            "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": "AlarmTopic"}],
            **metric,
        },
    }


def _waiting_in(queue: str, name: str, description: str) -> dict[str, Any]:
    """An alarm on anything waiting in a (dead-letter) queue."""
    metric = {
        "Namespace": "AWS/SQS",
        "MetricName": "ApproximateNumberOfMessagesVisible",
        "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}],
    }
    return _alarm(name, metric, description)


def _alarms(env: dict[str, str]) -> dict[str, Any]:
    namespace = env.get("POWERTOOLS_METRICS_NAMESPACE", "listkeeper")
    stage = env["LISTKEEPER_STAGE"]
    sweep_metric = {"Namespace": namespace, "Dimensions": [{"Name": "service", "Value": "listkeeper-sweep"}]}
    resources: dict[str, Any] = {
        **_topic(
            f"listkeeper-{stage}-alarms",
            "AlarmTopic",
            "cloudwatch.amazonaws.com",
            _account_arn("cloudwatch", f"alarm:listkeeper-{stage}-*"),
        ),
        "AlarmSubscription": {
            "Type": "AWS::SNS::Subscription",
            "Properties": {"TopicArn": {"Ref": "AlarmTopic"}, "Protocol": "email", "Endpoint": {"Ref": "AlarmEmail"}},
        },
        # a failing route still answers (500), so Lambda's Errors metric stays at zero: the app counts them itself
        "ApiServerErrorsAlarm": _alarm(
            f"listkeeper-{stage}-api-server-errors",
            {
                "Namespace": namespace,
                "MetricName": "ServerErrors",
                "Dimensions": [{"Name": "service", "Value": "listkeeper-http"}],
            },
            "API requests answered 500: one-clicks, webhooks or pages are failing.",
            statistic="Sum",
        ),
        # steps the sweep catches and retries next run (a destination, a notice, a contact): alarmed when they last
        "SweepFailuresAlarm": _alarm(
            f"listkeeper-{stage}-sweep-failures",
            {**sweep_metric, "MetricName": "SweepFailures"},
            "The sweep has failed some of its work three runs in a row (see its log).",
            periods=3,
        ),
        "PartnerDeliveryFailedAlarm": _waiting_in(
            "PartnerDeadLetters",
            f"listkeeper-{stage}-partner-delivery-failed",
            "A removal event could not be delivered to the partners' bus: replay it from the dead-letter queue.",
        ),
        "RemovalsAtRiskAlarm": _alarm(
            f"listkeeper-{stage}-removals-at-risk",
            {**sweep_metric, "MetricName": "RemovalsAtRisk"},
            "A removal has 12 hours or less left before its 48-hour deadline.",
        ),
        "RemovalsOverdueAlarm": _alarm(
            f"listkeeper-{stage}-removals-overdue",
            {**sweep_metric, "MetricName": "RemovalsOverdue"},
            "A removal missed its 48-hour deadline.",
        ),
        "OutboxDeadAlarm": _alarm(
            f"listkeeper-{stage}-outbox-dead",
            {**sweep_metric, "MetricName": "OutboxDead"},
            "SES permanently rejected an email listkeeper owed someone.",
        ),
        # The sweep drains the intake every 5 minutes: anything older means removals are waiting on an outage.
        "IntakeAgeAlarm": _alarm(
            f"listkeeper-{stage}-intake-waiting",
            {
                "Namespace": "AWS/SQS",
                "MetricName": "ApproximateAgeOfOldestMessage",
                "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["IntakeQueue", "QueueName"]}}],
            },
            "One-clicks have waited over 15 minutes in the intake queue: the table is failing or throttled.",
            threshold=900,
        ),
        "IntakeDeadLettersAlarm": _waiting_in(
            "IntakeDeadLetters",
            f"listkeeper-{stage}-intake-dead-letters",
            "A one-click failed for a day and more and waits in the intake's dead-letter queue: apply it by hand.",
        ),
    }
    for name, logical in FUNCTIONS.items():
        for metric in ("Errors", "Throttles"):
            resources[f"{logical}{metric}Alarm"] = _alarm(
                f"listkeeper-{stage}-{name}-{metric.lower()}",
                {
                    "Namespace": "AWS/Lambda",
                    "MetricName": metric,
                    "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": logical}}],
                },
                f"{name}: Lambda {metric.lower()}.",
            )
        if name in EVENT_FUNCTIONS:
            resources[f"{logical}DeadLettersAlarm"] = _waiting_in(
                f"{logical}DeadLetters",
                f"listkeeper-{stage}-{name}-dead-letters",
                f"{name}: an event failed every retry and waits in the dead-letter queue.",
            )
    return resources


def _dashboard(env: dict[str, str]) -> dict[str, Any]:
    namespace = env.get("POWERTOOLS_METRICS_NAMESPACE", "listkeeper")
    stage = env["LISTKEEPER_STAGE"]

    def sweep_series(*names: str) -> list[list[str]]:
        return [[namespace, n, "service", "listkeeper-sweep"] for n in names]

    widgets = [
        {
            "type": "metric",
            "x": 0,
            "y": 0,
            "width": 12,
            "height": 6,
            "properties": {
                "title": "Removals by state (deadline: 48 h; at risk: 12 h left)",
                "metrics": sweep_series("RemovalsOpen", "RemovalsAtRisk", "RemovalsOverdue"),
                "stat": "Maximum",
                "period": 300,
                "region": "${AWS::Region}",
            },
        },
        {
            "type": "metric",
            "x": 12,
            "y": 0,
            "width": 12,
            "height": 6,
            "properties": {
                "title": "Outbox and review queue",
                "metrics": sweep_series("OutboxPending", "OutboxDead", "ReviewOpen"),
                "stat": "Maximum",
                "period": 300,
                "region": "${AWS::Region}",
            },
        },
        {
            "type": "metric",
            "x": 0,
            "y": 6,
            "width": 24,
            "height": 6,
            "properties": {
                "title": "Lambda errors and throttles",
                "metrics": [
                    ["AWS/Lambda", metric, "FunctionName", f"${{{logical}}}"]
                    for logical in FUNCTIONS.values()
                    for metric in ("Errors", "Throttles")
                ],
                "stat": "Sum",
                "period": 300,
                "region": "${AWS::Region}",
            },
        },
        {
            "type": "log",
            "x": 0,
            "y": 12,
            "width": 24,
            "height": 6,
            "properties": {
                "title": "Inbound mail by classification",
                "query": "SOURCE '/aws/lambda/${InboundEmail}' | filter message = 'inbound mail classified' "
                "| stats count(*) by kind",
                "region": "${AWS::Region}",
            },
        },
    ]
    return {
        "Dashboard": {
            "Type": "AWS::CloudWatch::Dashboard",
            "Properties": {
                "DashboardName": f"listkeeper-{stage}",
                "DashboardBody": {"Fn::Sub": json.dumps({"widgets": widgets})},
            },
        }
    }


def merge_template(env: dict[str, str]) -> dict[str, Any]:
    stage = env["LISTKEEPER_STAGE"]
    resources: dict[str, Any] = {
        "Table": _dynamo_table(env),
        "Bucket": _bucket(env),
        "BucketPolicy": _bucket_policy(env),
        **_data_key(),
        **_log_groups(env),
        **_front(env),
        **_partner_bus(env),
        # named per stage (infra/build.py points each function's subscription at its stage's topic)
        **_topic(f"listkeeper-{stage}-inbound", "InboundTopic", "ses.amazonaws.com", receipt_rule_arn(env)),
        **_topic(
            f"listkeeper-{stage}-ses-events",
            "SesEventsTopic",
            "ses.amazonaws.com",
            _account_arn("ses", f"configuration-set/{configuration_set(env)}"),
        ),
        **_ses(env),
        **_dead_letters(env),
        **_intake(env),
        **_staff_pool(env),
        **_shopify_events(),
        **_alarms(env),
        **_dashboard(env),
    }
    return {
        "Parameters": {
            "AlarmEmail": {"Type": "String", "Description": "who is told when a removal deadline is at risk"},
            "CertificateArn": {
                "Type": "String",
                "Description": "an ACM certificate in us-east-1 (CloudFront's) for the links' domain "
                "(LISTKEEPER_PUBLIC_BASE_URL)",
                "AllowedPattern": "arn:aws:acm:us-east-1:[0-9]{12}:certificate/.+",
            },
            "FrontFirewallArn": {
                "Type": "String",
                "Default": "",
                "Description": "empty in us-east-1 (the stack makes the front's web ACL); elsewhere the ARN of the one "
                "made in us-east-1 from build/<stage>/front-firewall.json",
                "AllowedPattern": "^$|^arn:aws:wafv2:us-east-1:[0-9]{12}:global/webacl/.+",
            },
            "ShopifyEventSource": {
                "Type": "String",
                "Default": "",
                "Description": "the Shopify app's EventBridge partner event source (aws.partner/shopify.com/<app id>/"
                "<name>), once associated with a bus in this account; empty: webhooks over HTTPS only",
                "AllowedPattern": "^$|^aws\\.partner/shopify\\.com/[0-9]+/[A-Za-z0-9._-]+$",
            },
            "PartnerBusArn": {
                "Type": "String",
                "Description": "the EventBridge bus partners read removal events from (their account's, or yours)",
                "AllowedPattern": "arn:aws:events:[a-z0-9-]+:[0-9]{12}:event-bus/.+",
            },
        },
        "Conditions": {
            "TakesShopifyEvents": {"Fn::Not": [{"Fn::Equals": [{"Ref": "ShopifyEventSource"}, ""]}]},
            "OwnFirewall": {"Fn::Equals": [{"Ref": "FrontFirewallArn"}, ""]},
        },
        "Rules": {
            "FirewallWhereCloudFrontTakesIt": {
                "RuleCondition": {"Fn::Equals": [{"Ref": "FrontFirewallArn"}, ""]},
                "Assertions": [
                    {
                        "Assert": {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]},
                        "AssertDescription": "outside us-east-1, make the front's web ACL there first "
                        "(build/<stage>/front-firewall.json) and pass its ARN as FrontFirewallArn",
                    }
                ],
            }
        },
        "Resources": resources,
        "Outputs": {
            "TableName": {"Value": {"Ref": "Table"}},
            "BucketName": {"Value": {"Ref": "Bucket"}},
            "ReceiptRuleSet": {"Value": {"Ref": "ReceiptRuleSet"}},
            "AlarmTopic": {"Value": {"Ref": "AlarmTopic"}},
            "StaffPool": {
                "Description": "add console users here (aws cognito-idp admin-create-user), in group agent or admin",
                "Value": {"Ref": "StaffPool"},
            },
            "LinksDomainTarget": {
                "Description": "point the links' domain here (a CNAME, or an alias record to CloudFront)",
                "Value": {"Fn::GetAtt": ["Front", "DomainName"]},
            },
        },
    }


def _statement(actions: list[str], resources: list[str], **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}


def sender_address(env: dict[str, str]) -> str:
    return env["LISTKEEPER_SENDER"].rpartition("<")[2].rstrip(">").strip()


def function_policies(env: dict[str, str]) -> dict[str, dict[str, Any]]:
    """One least-privilege policy per function: only the actions it makes, only on this stage's resources, in this
    stack's region and account (`${AWS::…}` is substituted when the template is built)."""
    table = _account_arn("dynamodb", f"table/{env['LISTKEEPER_TABLE']}")
    bucket = f"arn:aws:s3:::{bucket_name(env)}"
    parameter = _account_arn("ssm", f"parameter{env['LISTKEEPER_SECRETS_PARAMETER']}")
    api_parameter = _account_arn("ssm", f"parameter{api_secrets_parameter(env)}")
    decrypt = _statement(
        ["kms:Decrypt"], ["*"], Condition={"StringLike": {"kms:ViaService": "ssm.*.amazonaws.com"}}
    )  # the AWS-managed SSM key; only through SSM
    sender = sender_address(env)
    send = _statement(
        ["ses:SendRawEmail"],
        [
            _account_arn("ses", f"identity/{sender.partition('@')[2]}"),
            _account_arn("ses", f"configuration-set/{configuration_set(env)}"),
        ],
        Condition={"StringEquals": {"ses:FromAddress": sender}},  # only as the configured sender
    )
    intake = _account_arn("sqs", env["LISTKEEPER_INTAKE_QUEUE"])
    data_requests_only = {"StringLike": {"s3:prefix": ["exports/data-requests/*"]}}  # what erasure lists

    def own(name: str) -> list[dict[str, Any]]:
        """Its own log group (made by the template, so no CreateLogGroup), and for an event function the queue
        its failed events go to (Lambda writes there with the function's role)."""
        group = _account_arn("logs", f"log-group:/aws/lambda/{function_name(env, name)}:*")
        found = [
            _statement(["logs:CreateLogStream", "logs:PutLogEvents"], [group]),
            _statement(["kms:GenerateDataKey", "kms:Decrypt"], ["${DataKey.Arn}"]),  # the queues' key
        ]
        if name in EVENT_FUNCTIONS:
            queue = _account_arn("sqs", f"{function_name(env, name)}-dead-letters")
            found.append(_statement(["sqs:SendMessage"], [queue]))
        if name == "api_handler":  # the shared secrets and its own, in one request
            reads = _statement(["ssm:GetParameters"], [parameter, api_parameter])
        else:
            reads = _statement(["ssm:GetParameter"], [parameter])
        return [*found, _statement(FUNCTION_DATA_ACTIONS[name], [table, f"{table}/index/*"]), reads, decrypt]

    return {
        "api_handler": {
            "Statement": [
                *own("api_handler"),
                send,
                # GetObject: the download link it signs fetches with its rights (tests/infra: IMPLIED)
                _statement(["s3:PutObject", "s3:GetObject"], [f"{bucket}/exports/*"]),
                # erasure takes the raw messages and the data-request exports too
                _statement(["s3:DeleteObject"], [f"{bucket}/inbound/*", f"{bucket}/exports/data-requests/*"]),
                _statement(["s3:ListBucket"], [bucket], Condition=data_requests_only),
                _statement(["sqs:GetQueueUrl", "sqs:SendMessage"], [intake]),
                # the console's role, read at sign-in (InitiateAuth and GetUser answer to the client and token)
                _statement(["cognito-idp:AdminListGroupsForUser"], ["${StaffPool.Arn}"]),
            ]
        },
        "sweep": {
            "Statement": [
                *own("sweep"),
                send,
                _statement(["sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:DeleteMessage"], [intake]),
                _statement(["events:PutEvents"], [_account_arn("events", f"event-bus/{env['LISTKEEPER_BUS']}")]),
                _statement(["s3:GetObject", "s3:PutObject"], [f"{bucket}/postal-removals/*"]),
                _statement(["s3:ListBucket"], [bucket]),  # so a missing day file is a 404, not a 403
                # a storefront's redaction, carried on: the raw messages and data exports of the people it forgets
                _statement(["s3:DeleteObject"], [f"{bucket}/inbound/*", f"{bucket}/exports/data-requests/*"]),
            ]
        },
        "ses_events": {"Statement": own("ses_events")},
        "inbound_email": {
            "Statement": [*own("inbound_email"), send, _statement(["s3:GetObject"], [f"{bucket}/inbound/*"])]
        },
        "shopify_events": {
            "Statement": [
                *own("shopify_events"),
                send,
                _statement(["s3:PutObject"], [f"{bucket}/exports/data-requests/*"]),  # a customer's data request
                # erasure takes the raw messages and the data-request exports too
                _statement(["s3:DeleteObject"], [f"{bucket}/inbound/*", f"{bucket}/exports/data-requests/*"]),
                _statement(["s3:ListBucket"], [bucket], Condition=data_requests_only),
            ]
        },
    }
