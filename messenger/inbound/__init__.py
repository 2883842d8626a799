"""What comes back: inbound SMS and email, reply keywords and what a reply does, and the SMTP
receiver for replies and bounces."""
