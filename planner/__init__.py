"""Planning and control: drivers that turn observations into steer, throttle and brake."""
