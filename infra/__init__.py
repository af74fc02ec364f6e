"""Deployment to AWS: the CloudFormation template is `chalice package` merged with infra/resources.py."""
