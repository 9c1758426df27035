"""A small third-party driver for nines (see own_driver.driver)."""
