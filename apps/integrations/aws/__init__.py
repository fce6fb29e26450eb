"""AWS adapters (DESIGN.md §8, STYLE.md §5).

The only package that imports boto3/botocore. Each module exposes a small `Protocol` with an
AWS implementation and an offline local twin; `settings.AICC_AWS_BACKEND` picks between them.
"""
