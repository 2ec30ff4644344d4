"""A locust user with no think time against a fast target: requests per second is the generator's capacity."""

from locust import HttpUser, constant, task


class BusyUser(HttpUser):
    wait_time = constant(0)

    @task
    def health(self) -> None:
        self.client.get("/health")
