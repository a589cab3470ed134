import { DeploymentsList } from "@/components/deployments/DeploymentsList";

export default function Page() {
  return <DeploymentsList />;
}
