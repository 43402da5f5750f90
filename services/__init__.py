"""The mentoring platform: independent services that exchange domain events over RabbitMQ."""
