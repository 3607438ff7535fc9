//! The IAM policy language and AWS's policy evaluation logic, pure and explainable.
